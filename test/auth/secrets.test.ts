// Proves no token or secret is ever written in clear: a full custom-app sign-in through
// the CLI-like loopback flow, calls, a refresh, a connections test and a disconnect,
// with every log line (trace level) captured; then every file under the state
// directory and the whole log are scanned for each secret string.
import { describe, it, expect, afterEach } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { createAuthorizer } from '../../plugins/dropbox/auth/authorizer.ts';
import { FlowStore, type PendingFlow } from '../../plugins/dropbox/auth/flow-state.ts';
import { submitConsent } from '../../plugins/dropbox/auth/sandbox-consent.ts';
import { listenLoopback } from '../../plugins/dropbox/auth/loopback.ts';
import {
  openConnection,
  testConnection,
  disconnectConnection,
  connectionStatus,
} from '../../plugins/dropbox/auth/connection-ops.ts';
import { tokenSourceFor } from '../../plugins/dropbox/auth/token-provider.ts';
import { refreshTokenOf } from '../../plugins/dropbox/auth/grant.ts';
import { startWorld, type World } from './harness.ts';
import { freePort } from './helpers.ts';

/** Remembers every verifier it hands out, so the test knows what to look for. */
class WatchedFlows extends FlowStore {
  verifiers: string[] = [];
  override create(entry: Omit<PendingFlow, 'createdAt'>): string {
    this.verifiers.push(entry.verifier);
    return super.create(entry);
  }
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(p)));
    else out.push(p);
  }
  return out;
}

let w: World | undefined;
afterEach(async () => {
  await w?.close();
});

describe('secrets at rest and in logs', () => {
  it('never writes a token, code, verifier or app secret in clear text', async () => {
    w = await startWorld();
    const port = await freePort();
    const redirectUrl = `http://127.0.0.1:${port}/oauth2/callback`;
    w.emu.registerRedirectUri('custom-app', redirectUrl);
    const def = w.def({ app: 'custom', appKey: 'custom-app', appSecret: 'custom-secret', redirectUrl });
    const flows = new WatchedFlows();
    const auth = createAuthorizer(flows);
    const secrets: string[] = ['custom-secret'];

    // Sign in through the loopback callback, as `dropcron auth` does.
    const lb = await listenLoopback(redirectUrl, async (p) => {
      secrets.push(p.code!);
      await auth.complete(def, w!.services, { state: p.state!, code: p.code });
      return { ok: true, message: 'signed in' };
    });
    const { url } = await auth.begin(def, w.services, { mode: 'redirect', redirectUrl });
    const q = await submitConsent(url, new Agent(), { decision: 'allow' });
    const cb = await request(`${redirectUrl}?${q}`);
    await cb.body.dump();
    expect((await lb.done).ok).toBe(true);
    await lb.close();

    const token = tokenSourceFor(def, w.services);
    secrets.push(token.snapshot!.accessToken, (await refreshTokenOf(w.services, 'work'))!, ...flows.verifiers);

    // Use it, force a refresh, test, then disconnect.
    const client = openConnection(def, w.services);
    await client.getCurrentAccount();
    w.emu.expireAccessTokens();
    await client.getSpaceUsage();
    secrets.push(token.snapshot!.accessToken);
    expect((await testConnection(def, w.services)).ok).toBe(true);
    await disconnectConnection(def, w.services);
    await new Promise<void>((r) => w!.services.log.flush(() => r()));

    expect(secrets.every((s) => typeof s === 'string' && s.length >= 12)).toBe(true);
    expect(new Set(secrets).size).toBe(secrets.length);
    const files = await filesUnder(w.stateDir);
    expect(files.some((f) => f.endsWith('master.key'))).toBe(true);
    const log = w.logs.text;
    expect(log).toContain('connection authorised');
    expect(log).toContain('access token refreshed');
    for (const s of secrets) {
      expect(log.includes(s), 'a secret appeared in the log').toBe(false);
      for (const f of files) expect((await readFile(f, 'utf8')).includes(s), `a secret appeared in ${f}`).toBe(false);
    }
  });

  it('keeps the refresh token only encrypted on disk while signed in', async () => {
    w = await startWorld();
    const def = w.def();
    await w.signIn(def);
    const rt = (await refreshTokenOf(w.services, 'work'))!;
    const access = tokenSourceFor(def, w.services).snapshot!.accessToken;
    const files = await filesUnder(w.stateDir);
    expect(files.map((f) => f.slice(w!.stateDir.length)).sort()).toEqual(['/master.key', '/vault/work.json']);
    for (const f of files) {
      const text = await readFile(f, 'utf8');
      expect(text.includes(rt)).toBe(false);
      expect(text.includes(access)).toBe(false);
    }
    const entry = JSON.parse(await readFile(join(w.stateDir, 'vault', 'work.json'), 'utf8'));
    expect(Object.keys(entry.secrets)).toEqual(['refreshToken']);
    expect(entry.state.label).toBe('Sandy Sandbox <sandy@example.com>');
  });
});

describe('a wrong master key', () => {
  it('gives one clear line from status and from calls, never garbage', async () => {
    w = await startWorld();
    const def = w.def();
    await w.signIn(def);
    const saved = process.env.DROPCRON_MASTER_KEY;
    process.env.DROPCRON_MASTER_KEY = Buffer.alloc(32, 7).toString('base64');
    try {
      const st = await connectionStatus(def, w.services);
      expect(st.state).toBe('error');
      expect(st.detail).toMatch(
        /^cannot decrypt the vault: the master key does not match the one that encrypted .*work\.json \(refreshToken\) .*from DROPCRON_MASTER_KEY\); restore that key, or delete the file and authorise 'work' again$/,
      );
      w.emu.expireAccessTokens();
      const err = await openConnection(def, w.services)
        .getCurrentAccount()
        .catch((e) => e);
      expect(err.message).toMatch(/^cannot decrypt the vault: the master key does not match/);
      expect(err.message).not.toContain('\n');
    } finally {
      if (saved === undefined) delete process.env.DROPCRON_MASTER_KEY;
      else process.env.DROPCRON_MASTER_KEY = saved;
    }
  });
});
