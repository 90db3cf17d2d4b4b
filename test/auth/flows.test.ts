// Every sign-in flow end to end against the emulator over loopback HTTP: the CLI
// browser flow (127.0.0.1 and ::1), the paste flow through stdin, the admin UI's
// Authorizer, custom apps, and each way a flow must fail without storing anything.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { PassThrough } from 'node:stream';
import { spawn } from 'node:child_process';
import { request, Agent } from 'undici';
import { main } from '../../src/cli.ts';
import { createAuthCommand } from '../../plugins/dropbox/auth/command.ts';
import { createAuthorizer } from '../../plugins/dropbox/auth/authorizer.ts';
import { FlowStore, FLOW_TTL_MS } from '../../plugins/dropbox/auth/flow-state.ts';
import { submitConsent } from '../../plugins/dropbox/auth/sandbox-consent.ts';
import { connectionStatus } from '../../plugins/dropbox/auth/connection-ops.ts';
import { refreshTokenOf } from '../../plugins/dropbox/auth/grant.ts';
import { AuthFlowError } from '../../plugins/dropbox/auth/errors.ts';
import { startWorld, writeCliConfig, type World } from './harness.ts';
import { Capture, freePort } from './helpers.ts';
import { until } from '../helpers/wait.ts';
import { CLI } from '../helpers/cli.ts';

const browser = new Agent(); // the "user's browser": direct, no proxy

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  await w.close();
});

/** Waits until the captured stdout holds an authorize URL, and returns it. */
async function urlFrom(out: Capture, ms = 5000): Promise<string> {
  const url = () => /(http:\/\/\S+\/oauth2\/authorize\?\S+)/.exec(out.text)?.[1];
  await until(() => url() !== undefined, 'an authorize URL on stdout', ms);
  return url()!;
}

async function nothingStored(world: World, name = 'work') {
  expect(await refreshTokenOf(world.services, name)).toBeUndefined();
  expect(await world.services.secretsOf(name).secretNames()).toEqual([]);
}

describe('CLI browser flow (loopback callback)', () => {
  for (const host of ['127.0.0.1', '[::1]']) {
    it(`signs in through the consent form and the loopback callback on ${host}`, async () => {
      const port = await freePort();
      const redirectUrl = `http://${host}:${port}/oauth2/callback`;
      w.emu.registerRedirectUri('dropcron-sandbox', redirectUrl);
      const cfg = await writeCliConfig(w, { name: 'work', redirectUrl });
      const out = new Capture();
      const err = new Capture();
      const run = main(['--config', cfg, 'auth', 'work', '--no-browser', '--timeout', '60'], {
        stdout: out,
        stderr: err,
        stdin: new PassThrough(),
      });
      const url = await urlFrom(out);
      const u = new URL(url);
      expect(u.searchParams.get('redirect_uri')).toBe(redirectUrl);
      expect(u.searchParams.get('code_challenge_method')).toBe('S256');
      expect(u.searchParams.get('token_access_type')).toBe('offline');
      expect(u.searchParams.get('scope')).toBe(
        'account_info.read files.metadata.read files.metadata.write files.content.read files.content.write',
      );
      expect(u.searchParams.has('client_secret')).toBe(false);

      // The browser: consent form, then the redirect to the loopback server.
      const q = await submitConsent(url, browser, { decision: 'allow' });
      expect(q.get('state')).toBe(u.searchParams.get('state'));
      const cb = await request(`${redirectUrl}?${q}`, { dispatcher: browser });
      const page = await cb.body.text();
      expect(cb.statusCode).toBe(200);
      expect(page).toContain('You can close this tab');

      expect(await run).toBe(0);
      expect(err.text).toBe('');
      expect(out.text).toContain("authorised 'work' as Sandy Sandbox <sandy@example.com>");
      expect(out.text).toMatch(/granted scopes: .*files\.content\.write/);
      expect(await refreshTokenOf(w.services, 'work')).toBeTruthy();
      const st = await connectionStatus(w.def({ redirectUrl }), w.services);
      expect(st).toMatchObject({ state: 'authorised', label: 'Sandy Sandbox <sandy@example.com>' });
    });
  }

  it('opens the browser when it can: the opener gets the URL, the user allows, the tab is told to close', async () => {
    const port = await freePort();
    const redirectUrl = `http://localhost:${port}/oauth2/callback`;
    w.emu.registerRedirectUri('dropcron-sandbox', redirectUrl);
    const cfg = await writeCliConfig(w, { name: 'work', redirectUrl });
    let page: Promise<string> | undefined;
    // Stands in for xdg-open: a "browser" that follows the URL it is given.
    const cmd = createAuthCommand({
      openBrowser: async (url) => {
        page = submitConsent(url, browser, { decision: 'allow' }).then(async (q) =>
          (await request(`${redirectUrl}?${q}`, { dispatcher: browser })).body.text(),
        );
        return true;
      },
    });
    const out = new Capture();
    expect(
      await cmd.run(['work', '--timeout', '60'], {
        configFile: cfg,
        stdout: out,
        stderr: new Capture(),
        stdin: new PassThrough(),
      }),
    ).toBe(0);
    expect(out.text).toMatch(/^Your browser was opened to sign in to Dropbox\. If it did not open, visit:/);
    expect(await page).toContain('is signed in as Sandy Sandbox &lt;sandy@example.com&gt;.');
  });

  it('ends with a clear line when the user clicks Deny, storing nothing', async () => {
    const port = await freePort();
    const redirectUrl = `http://127.0.0.1:${port}/oauth2/callback`;
    w.emu.registerRedirectUri('dropcron-sandbox', redirectUrl);
    const cfg = await writeCliConfig(w, { name: 'work', redirectUrl });
    const out = new Capture();
    const err = new Capture();
    const run = main(['--config', cfg, 'auth', 'work', '--no-browser'], {
      stdout: out,
      stderr: err,
      stdin: new PassThrough(),
    });
    const q = await submitConsent(await urlFrom(out), browser, { decision: 'deny' });
    expect(q.get('error')).toBe('access_denied');
    const cb = await request(`${redirectUrl}?${q}`, { dispatcher: browser });
    expect(cb.statusCode).toBe(400);
    expect(await cb.body.text()).toContain('access was denied');
    expect(await run).toBe(1);
    expect(err.text).toMatch(
      /^dropcron: sign-in for 'work' was cancelled: access was denied at Dropbox \(access_denied.*nothing was stored\n$/,
    );
    await nothingStored(w);
  });

  it('rejects a forged callback and keeps nothing', async () => {
    const port = await freePort();
    const redirectUrl = `http://localhost:${port}/oauth2/callback`;
    w.emu.registerRedirectUri('dropcron-sandbox', redirectUrl);
    const cfg = await writeCliConfig(w, { name: 'work', redirectUrl });
    const out = new Capture();
    const err = new Capture();
    const run = main(['--config', cfg, 'auth', 'work', '--no-browser'], {
      stdout: out,
      stderr: err,
      stdin: new PassThrough(),
    });
    const q = await submitConsent(await urlFrom(out), browser, { decision: 'allow' });
    q.set('state', 'forged-by-someone-else');
    const cb = await request(`http://127.0.0.1:${port}/oauth2/callback?${q}`, { dispatcher: browser });
    expect(cb.statusCode).toBe(400);
    await cb.body.dump();
    expect(await run).toBe(1);
    expect(err.text).toMatch(/unknown state/);
    await nothingStored(w);
  });

  it('times out with a clear message', async () => {
    const port = await freePort();
    const cfg = await writeCliConfig(w, { name: 'work', redirectUrl: `http://localhost:${port}/oauth2/callback` });
    const err = new Capture();
    const code = await main(['--config', cfg, 'auth', 'work', '--no-browser', '--timeout', '1'], {
      stdout: new Capture(),
      stderr: err,
      stdin: new PassThrough(),
    });
    expect(code).toBe(1);
    expect(err.text).toBe(
      'dropcron: no answer from the browser within 1 second; run dropcron auth work again (or add --code on a machine without a browser)\n',
    );
    // The port is free again: the loopback server only listens during the flow.
    const again = await request(`http://127.0.0.1:${port}/oauth2/callback`).catch((e: Error) => e);
    expect(again).toBeInstanceOf(Error);
  });

  it('refuses a non-loopback redirect URL for the terminal flow', async () => {
    const cfg = await writeCliConfig(w, { name: 'work', redirectUrl: 'https://dropcron.example.com/oauth2/callback' });
    const err = new Capture();
    expect(
      await main(['--config', cfg, 'auth', 'work', '--no-browser'], {
        stdout: new Capture(),
        stderr: err,
        stdin: new PassThrough(),
      }),
    ).toBe(1);
    expect(err.text).toMatch(/is not on this machine.*dropcron auth work --code/);
  });
});

describe('CLI paste flow (--code, no redirect)', () => {
  it('reads the code from stdin and signs in', async () => {
    const cfg = await writeCliConfig(w, { name: 'work' });
    const out = new Capture();
    const stdin = new PassThrough();
    const run = main(['--config', cfg, 'auth', 'work', '--code'], { stdout: out, stderr: new Capture(), stdin });
    const url = await urlFrom(out);
    expect(new URL(url).searchParams.has('redirect_uri')).toBe(false);
    const q = await submitConsent(url, browser, { decision: 'allow' });
    expect(q.get('code')).toBeTruthy();
    stdin.write(`  ${q.get('code')}  \n`);
    expect(await run).toBe(0);
    expect(out.text).toContain("authorised 'work' as Sandy Sandbox");
    expect(await refreshTokenOf(w.services, 'work')).toBeTruthy();
  });

  it('the real command exits once signed in, though the writer of stdin stays open', async () => {
    const cfg = await writeCliConfig(w, { name: 'work' });
    const child = spawn(process.execPath, [CLI, '--config', cfg, 'auth', 'work', '--code'], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const out = new Capture();
    const err = new Capture();
    child.stdout.pipe(out);
    child.stderr.pipe(err);
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    try {
      const q = await submitConsent(await urlFrom(out, 10_000), browser, { decision: 'allow' });
      // The pipe is never ended: a held fifo or a script that keeps its pipe open.
      child.stdin.write(`${q.get('code')}\n`);
      const code = await Promise.race([exited, new Promise((r) => setTimeout(() => r('still running'), 15_000))]);
      expect({ code, stderr: err.text }).toEqual({ code: 0, stderr: '' });
      expect(out.text).toContain("authorised 'work' as Sandy Sandbox");
    } finally {
      child.kill('SIGKILL');
    }
  }, 30_000);

  it('ends clearly when stdin closes without a code', async () => {
    const cfg = await writeCliConfig(w, { name: 'work' });
    const stdin = new PassThrough();
    const err = new Capture();
    const run = main(['--config', cfg, 'auth', 'work', '--code'], { stdout: new Capture(), stderr: err, stdin });
    stdin.end();
    expect(await run).toBe(1);
    expect(err.text).toMatch(/no code was entered/);
    await nothingStored(w);
  });
});

describe('Authorizer (the admin UI flow)', () => {
  it('redirect mode: begin, consent, complete', async () => {
    const auth = createAuthorizer(new FlowStore());
    const def = w.def({ redirectUrl: 'http://127.0.0.1:8470/oauth2/callback' });
    const { url, state } = await auth.begin(def, w.services, { mode: 'redirect' });
    expect(new URL(url).searchParams.get('redirect_uri')).toBe('http://127.0.0.1:8470/oauth2/callback');
    const q = await submitConsent(url, browser, { decision: 'allow' });
    const st = await auth.complete(def, w.services, { state, code: q.get('code')! });
    expect(st).toMatchObject({ state: 'authorised', label: 'Sandy Sandbox <sandy@example.com>' });
  });

  it('sends a configured redirect URL byte for byte', async () => {
    const auth = createAuthorizer(new FlowStore());
    const odd = 'http://localhost:53682/oauth2/callback?x=a%20b&y=1';
    const { url } = await auth.begin(w.def({ redirectUrl: odd }), w.services, { mode: 'redirect' });
    expect(new URL(url).searchParams.get('redirect_uri')).toBe(odd);
  });

  it('a PKCE mismatch (code of one flow, verifier of another) fails with invalid_grant and stores nothing', async () => {
    const auth = createAuthorizer(new FlowStore());
    const def = w.def();
    const a = await auth.begin(def, w.services, { mode: 'paste' });
    const b = await auth.begin(def, w.services, { mode: 'paste' });
    const q = await submitConsent(a.url, browser, { decision: 'allow' });
    await expect(auth.complete(def, w.services, { state: b.state, code: q.get('code')! })).rejects.toThrow(
      /^sign-in for 'work' failed: could not exchange the code: Dropbox said invalid_grant.*PKCE verifier did not match.*nothing was stored$/,
    );
    await nothingStored(w);
  });

  it('rejects forged, replayed and expired states', async () => {
    let now = 1_000_000_000;
    const auth = createAuthorizer(new FlowStore(() => now));
    const def = w.def();
    await expect(auth.complete(def, w.services, { state: 'forged', code: 'x' })).rejects.toThrow(/unknown state/);

    const ok = await auth.begin(def, w.services, { mode: 'paste' });
    const q = await submitConsent(ok.url, browser, { decision: 'allow' });
    await auth.complete(def, w.services, { state: ok.state, code: q.get('code')! });
    await expect(auth.complete(def, w.services, { state: ok.state, code: q.get('code')! })).rejects.toThrow(
      /replayed state/,
    );

    await w.services.secretsOf('work').forget();
    const late = await auth.begin(def, w.services, { mode: 'paste' });
    const q2 = await submitConsent(late.url, browser, { decision: 'allow' });
    now += FLOW_TTL_MS + 1;
    await expect(auth.complete(def, w.services, { state: late.state, code: q2.get('code')! })).rejects.toThrow(
      /expired \(more than 10 minutes passed\)/,
    );
    await nothingStored(w);
  });

  it('rejects a state begun for another connection', async () => {
    const auth = createAuthorizer(new FlowStore());
    const { state } = await auth.begin(w.def({ name: 'other' }), w.services, { mode: 'paste' });
    await expect(auth.complete(w.def(), w.services, { state, code: 'x' })).rejects.toThrow(
      /belongs to connection 'other'/,
    );
  });

  it('error=access_denied ends the flow', async () => {
    const auth = createAuthorizer(new FlowStore());
    const def = w.def();
    const { state } = await auth.begin(def, w.services, { mode: 'redirect' });
    const err = await auth
      .complete(def, w.services, {
        state,
        error: 'access_denied',
        errorDescription: 'The user chose not to give your app access.',
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(AuthFlowError);
    expect(err.message).toBe(
      "sign-in for 'work' was cancelled: access was denied at Dropbox (access_denied: The user chose not to give your app access.); nothing was stored",
    );
    await nothingStored(w);
  });
});

describe('custom app (key + secret, PKCE as well)', () => {
  it('signs in with the secret from the connection file', async () => {
    const auth = createAuthorizer(new FlowStore());
    const def = w.def({ app: 'custom', appKey: 'custom-app', appSecret: 'custom-secret' });
    const { url, state } = await auth.begin(def, w.services, { mode: 'paste' });
    expect(url).toContain('client_id=custom-app');
    expect(url).not.toContain('custom-secret');
    const q = await submitConsent(url, browser, { decision: 'allow' });
    expect((await auth.complete(def, w.services, { state, code: q.get('code')! })).state).toBe('authorised');
    expect(w.emu.requests.filter((r) => r.route === 'oauth2/token' && r.status === 200)).toHaveLength(1);
  });

  it('signs in with the secret entered in the admin UI (from the vault)', async () => {
    await w.services.secretsOf('work').update({ secrets: { appSecret: 'custom-secret' } });
    const auth = createAuthorizer(new FlowStore());
    const def = w.def({ app: 'custom', appKey: 'custom-app' });
    const { url, state } = await auth.begin(def, w.services, { mode: 'paste' });
    const q = await submitConsent(url, browser, { decision: 'allow' });
    expect((await auth.complete(def, w.services, { state, code: q.get('code')! })).state).toBe('authorised');
  });

  it('a wrong secret fails with invalid_client and the fix', async () => {
    const auth = createAuthorizer(new FlowStore());
    const def = w.def({ app: 'custom', appKey: 'custom-app', appSecret: 'not-the-secret' });
    const { url, state } = await auth.begin(def, w.services, { mode: 'paste' });
    const q = await submitConsent(url, browser, { decision: 'allow' });
    const err = await auth.complete(def, w.services, { state, code: q.get('code')! }).catch((e) => e);
    expect(err.message).toMatch(/invalid_client.*check the app key and secret/);
    expect(err.message).not.toContain('not-the-secret');
    expect(await refreshTokenOf(w.services, 'work')).toBeUndefined();
  });

  it('says where to put a missing secret', async () => {
    const auth = createAuthorizer(new FlowStore());
    await expect(
      auth.begin(w.def({ app: 'custom', appKey: 'custom-app' }), w.services, { mode: 'paste' }),
    ).rejects.toThrow(
      /uses app: custom but has no app secret; set appSecret: \$\{ENV_VAR\} in .* or enter it in the admin UI/,
    );
  });
});
