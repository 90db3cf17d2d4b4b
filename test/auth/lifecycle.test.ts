// After sign-in: refresh, invalid_grant -> needs re-authorisation (fails fast),
// missing_scope, connections test, disconnect with revoke, and the sandbox's automatic
// first sign-in. Real emulator, real HTTP.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli.ts';
import {
  openConnection,
  connectionStatus,
  disconnectConnection,
  testConnection,
  browseConnection,
} from '../../plugins/dropbox/auth/connection-ops.ts';
import { tokenSourceFor } from '../../plugins/dropbox/auth/token-provider.ts';
import { refreshTokenOf, grantState, saveGrant } from '../../plugins/dropbox/auth/grant.ts';
import { DEFAULT_SCOPES } from '../../plugins/dropbox/connection.ts';
import { refreshAccessToken } from '../../plugins/dropbox/auth/oauth.ts';
import { InvalidGrantError, MissingScopeError } from '../../plugins/dropbox/api/errors.ts';
import type { ConnectionDefinition } from '../../src/plugin.ts';
import { startWorld, writeCliConfig, type World } from './harness.ts';
import { Capture, freePort } from './helpers.ts';

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  await w.close();
});

const signIn = (def: ConnectionDefinition, account?: string) => w.signIn(def, account);

const tokenCalls = () => w.emu.requests.filter((r) => r.route === 'oauth2/token').length;

describe('token lifecycle', () => {
  it('refreshes an expired access token once for many concurrent calls', async () => {
    const def = w.def();
    await signIn(def);
    const client = openConnection(def, w.services);
    const before = tokenSourceFor(def, w.services).snapshot!.accessToken;
    expect((await client.getCurrentAccount()).email).toBe('sandy@example.com');
    const calls = tokenCalls();
    w.emu.expireAccessTokens();
    const accounts = await Promise.all(Array.from({ length: 10 }, () => client.getCurrentAccount()));
    expect(accounts.every((a) => a.email === 'sandy@example.com')).toBe(true);
    expect(tokenCalls() - calls).toBe(1);
    expect(tokenSourceFor(def, w.services).snapshot!.accessToken).not.toBe(before);
  });

  it('invalid_grant marks the connection needs-reauthorisation and then fails fast', async () => {
    const def = w.def();
    await signIn(def);
    const client = openConnection(def, w.services);
    await client.getCurrentAccount();
    w.emu.revokeAll();
    const err = await client.getCurrentAccount().catch((e) => e);
    expect(err).toBeInstanceOf(InvalidGrantError);
    expect(err.message).toBe(
      "connection 'work' needs re-authorisation (Dropbox refused the refresh token: the grant was revoked or expired); run: dropcron auth work (or sign in from the admin UI)",
    );
    const st = await connectionStatus(def, w.services);
    expect(st.state).toBe('needs-reauthorisation');
    expect(st.detail).toMatch(/revoked or expired; run: dropcron auth work/);
    // Fails fast: no more token requests, however often it is asked.
    const calls = tokenCalls();
    for (let i = 0; i < 3; i++)
      await expect(openConnection(def, w.services).getCurrentAccount()).rejects.toBeInstanceOf(InvalidGrantError);
    expect(tokenCalls()).toBe(calls);
    // Signing in again clears the mark.
    await signIn(def);
    expect((await connectionStatus(def, w.services)).state).toBe('authorised');
    expect((await openConnection(def, w.services).getCurrentAccount()).email).toBe('sandy@example.com');
  });

  it('missing_scope marks the connection with the scope named', async () => {
    const def = w.def({ scopes: ['account_info.read'] });
    await signIn(def);
    expect((await grantState(w.services, 'work')).scopes).toEqual(['account_info.read']);
    const client = openConnection(def, w.services);
    const err = await (async () => {
      for await (const _ of client.listFolder('')) void _;
    })().catch((e) => e);
    expect(err).toBeInstanceOf(MissingScopeError);
    const st = await connectionStatus(def, w.services);
    expect(st.state).toBe('needs-reauthorisation');
    expect(st.detail).toMatch(/lack of the scope 'files\.metadata\.read'/);
  });

  it('after a new sign-in elsewhere (another process), a missing_scope call switches to the new grant', async () => {
    const def = w.def({
      app: 'custom',
      appKey: 'custom-app',
      appSecret: 'custom-secret',
      scopes: ['account_info.read'],
    });
    await signIn(def);
    const client = openConnection(def, w.services);
    await client.getCurrentAccount();
    // What `dropcron auth` in another process leaves in the vault: a new grant with all scopes.
    const fresh = w.emu.issueToken({ app: 'custom-app' });
    await saveGrant(w.services, 'work', fresh.refreshToken, {
      scopes: [...DEFAULT_SCOPES],
      authorisedAt: new Date(Date.now() + 1000).toISOString(),
      appKey: 'custom-app',
    });
    const folder = await client.createFolder('/after-reauth');
    expect(folder.name).toBe('after-reauth');
    expect(
      (await connectionStatus(w.def({ app: 'custom', appKey: 'custom-app', appSecret: 'custom-secret' }), w.services))
        .state,
    ).toBe('authorised');
  });

  it('status says which requested scopes the stored grant lacks', async () => {
    await signIn(w.def({ scopes: ['account_info.read'] }));
    const st = await connectionStatus(w.def(), w.services);
    expect(st.state).toBe('needs-reauthorisation');
    expect(st.detail).toMatch(
      /^the grant lacks the scopes files\.metadata\.read, .*files\.content\.write that the connection asks for/,
    );
  });

  it('status of a connection never signed in', async () => {
    expect(await connectionStatus(w.def(), w.services)).toEqual({
      state: 'needs-authorisation',
      detail: 'run: dropcron auth work (or sign in from the admin UI)',
    });
    await expect(openConnection(w.def(), w.services).getCurrentAccount()).rejects.toThrow(
      "connection 'work' is not authorised; run: dropcron auth work",
    );
  });
});

describe('disconnect', () => {
  it('revokes the grant at Dropbox and deletes the local tokens', async () => {
    const def = w.def();
    await signIn(def);
    const rt = (await refreshTokenOf(w.services, 'work'))!;
    expect(await disconnectConnection(def, w.services)).toEqual({ revoked: true, detail: 'revoked at Dropbox' });
    expect(w.emu.requests.some((r) => r.route === 'auth/token/revoke' && r.status === 200)).toBe(true);
    expect(await refreshTokenOf(w.services, 'work')).toBeUndefined();
    expect(await grantState(w.services, 'work')).toEqual({});
    // The refresh token is dead at Dropbox too.
    const ctx = {
      dispatcher: w.services.dispatcherFor(def),
      endpoints: { api: w.emu.url, content: w.emu.url, www: w.emu.url },
      app: { kind: 'builtin' as const, appKey: 'dropcron-sandbox' },
    };
    await expect(refreshAccessToken(ctx, rt)).rejects.toThrow(/invalid_grant/);
    expect((await connectionStatus(def, w.services)).state).toBe('needs-authorisation');
  });

  it('keeps a custom app secret entered in the UI', async () => {
    await w.services.secretsOf('work').update({ secrets: { appSecret: 'custom-secret' } });
    const def = w.def({ app: 'custom', appKey: 'custom-app' });
    await signIn(def);
    await disconnectConnection(def, w.services);
    expect(await w.services.secretsOf('work').secretNames()).toEqual(['appSecret']);
  });

  it('reports a failed revoke and still deletes locally', async () => {
    const def = w.def();
    await signIn(def);
    await w.emu.close();
    const r = await disconnectConnection(def, w.services);
    expect(r.revoked).toBe(false);
    expect(r.detail).toMatch(
      /^could not revoke at Dropbox \(.*network error talking to .*\); revoke dropcron at https:\/\/www\.dropbox\.com\/account\/connected_apps$/,
    );
    expect(await refreshTokenOf(w.services, 'work')).toBeUndefined();
  });

  it('dropcron disconnect <name> prints the outcome', async () => {
    const cfg = await writeCliConfig(w, { name: 'work' });
    await signIn(w.def());
    const out = new Capture();
    expect(
      await main(['--config', cfg, 'disconnect', 'work'], {
        stdout: out,
        stderr: new Capture(),
        stdin: new PassThrough(),
      }),
    ).toBe(0);
    expect(out.text).toBe("revoked: revoked at Dropbox\ndeleted the stored tokens of 'work'\n");
  });
});

describe('connections test and browse', () => {
  it('reports account, scopes, quota, round trip and root for a personal account', async () => {
    const def = w.def();
    await signIn(def);
    const r = await testConnection(def, w.services);
    expect(r.ok).toBe(true);
    const lines = Object.fromEntries(r.lines);
    expect(lines.account).toBe('Sandy Sandbox <sandy@example.com>');
    expect(lines.scopes).toBe(
      'account_info.read files.metadata.read files.metadata.write files.content.read files.content.write',
    );
    expect(lines.quota).toMatch(/ used of 2\.0 GiB$/);
    expect(lines['round trip']).toMatch(/^\d+ ms direct \(no proxy\)$/);
    expect(lines.root).toMatch(/^the whole Dropbox \(ns:1001\)/);
    expect(lines['access token']).toMatch(/^valid until \d{4}-\d\d-\d\dT.*Z \(refreshed automatically\)$/);
  });

  it('shows the namespaces a business member can reach', async () => {
    const def = w.def({ account: 'business' });
    await signIn(def, 'Bob');
    const r = await testConnection(def, w.services);
    expect(r.ok).toBe(true);
    const lines = Object.fromEntries(r.lines);
    expect(lines['account type']).toBe('business, team Acme Corp');
    expect(lines.namespaces).toMatch(
      /^team space root ns:2001 \(pathRoot: team\); member home ns:2003.*\(pathRoot: home\)$/,
    );
  });

  it('names the app folder for app-folder apps', async () => {
    const def = w.def({ app: 'custom', appKey: 'appfolder-app', appSecret: 'appfolder-secret', access: 'app-folder' });
    await signIn(def);
    const r = await testConnection(def, w.services);
    expect(Object.fromEntries(r.lines).root).toMatch(/app's own folder/);
  });

  it('dropcron connections test prints the report; a connection never signed in fails with the fix', async () => {
    const cfg = await writeCliConfig(w, { name: 'work' });
    const out = new Capture();
    const err = new Capture();
    expect(
      await main(['--config', cfg, 'connections', 'test', 'work'], {
        stdout: out,
        stderr: err,
        stdin: new PassThrough(),
      }),
    ).toBe(1);
    expect(out.text).toMatch(/^error: connection 'work' is not authorised; run: dropcron auth work/);
    await signIn(w.def());
    const out2 = new Capture();
    expect(
      await main(['--config', cfg, 'connections', 'test', 'work'], {
        stdout: out2,
        stderr: new Capture(),
        stdin: new PassThrough(),
      }),
    ).toBe(0);
    expect(out2.text).toMatch(/^account: +Sandy Sandbox <sandy@example\.com>$/m);
    expect(out2.text).toMatch(/^quota: +.* used of 2\.0 GiB$/m);
    expect(out2.text).toMatch(/ok: 'work' works\n$/);
  });

  it("dropcron connections list shows the plugin's described facts as columns", async () => {
    const cfg = await writeCliConfig(w, {
      name: 'office',
      account: 'business',
      proxy: { type: 'http', host: '127.0.0.1', port: 3128 },
    });
    const out = new Capture();
    expect(
      await main(['--config', cfg, 'connections', 'list'], {
        stdout: out,
        stderr: new Capture(),
        stdin: new PassThrough(),
      }),
    ).toBe(0);
    const [head, row] = out.text.split('\n').map((l) => l.trim().split(/ {2,}/));
    expect(head).toEqual(['NAME', 'TYPE', 'ACCOUNT', 'APP', 'PROXY', 'STATUS']);
    expect(row?.slice(0, 5)).toEqual(['office', 'dropbox', 'business', 'builtin', 'http 127.0.0.1:3128']);
  });

  it('browse lists one folder, folders first', async () => {
    const def = w.def();
    await signIn(def);
    const client = openConnection(def, w.services);
    await client.createFolder('/Zeta');
    await client.createFolder('/alpha');
    const entries = await browseConnection(def, w.services, '');
    const names = entries.map((e) => e.name);
    expect(names).toContain('alpha');
    expect(names.indexOf('alpha')).toBeLessThan(names.indexOf('Zeta'));
    const firstFile = entries.findIndex((e) => !e.folder);
    if (firstFile >= 0) expect(entries.slice(firstFile).every((e) => !e.folder)).toBe(true);
    expect(entries.find((e) => e.name === 'Zeta')).toEqual({ name: 'Zeta', path: '/Zeta', folder: true });
  });
});

describe('sandbox demo', () => {
  it('signs a never-authorised sandbox connection in on first use, through the consent page', async () => {
    w.services.sandboxes.set('dropbox', { url: w.emu.url, close: async () => {} });
    const def: ConnectionDefinition = {
      name: 'sandbox',
      type: 'dropbox',
      file: 'sandbox.yaml',
      account: 'personal',
      app: 'builtin',
      sandbox: true,
    };
    expect((await connectionStatus(def, w.services)).state).toBe('needs-authorisation');
    const account = await openConnection(def, w.services).getCurrentAccount();
    expect(account.email).toBe('sandy@example.com');
    expect(w.emu.requests.filter((r) => r.route === 'oauth2/authorize').map((r) => r.method)).toEqual(['GET', 'POST']);
    expect((await connectionStatus(def, w.services)).state).toBe('authorised');
  });

  it('signs in again when the sandbox forgot the grant (it keeps grants in memory across restarts)', async () => {
    w.services.sandboxes.set('dropbox', { url: w.emu.url, close: async () => {} });
    const def: ConnectionDefinition = {
      name: 'sandbox',
      type: 'dropbox',
      file: 'sandbox.yaml',
      account: 'personal',
      app: 'builtin',
      sandbox: true,
    };
    const client = openConnection(def, w.services);
    await client.getCurrentAccount();
    const first = await refreshTokenOf(w.services, 'sandbox');
    w.emu.revokeAll();
    expect((await client.getCurrentAccount()).email).toBe('sandy@example.com');
    expect(await refreshTokenOf(w.services, 'sandbox')).not.toBe(first);
    expect((await connectionStatus(def, w.services)).state).toBe('authorised');
    expect(w.emu.requests.filter((r) => r.route === 'oauth2/authorize').length).toBe(4);
  });

  it('signs a business sandbox connection in as a team member', async () => {
    w.services.sandboxes.set('dropbox', { url: w.emu.url, close: async () => {} });
    const def: ConnectionDefinition = {
      name: 'team',
      type: 'dropbox',
      file: 'team.yaml',
      account: 'business',
      app: 'builtin',
      sandbox: true,
    };
    const account = await openConnection(def, w.services).getCurrentAccount();
    expect(account.team?.name).toBe('Acme Corp');
  });

  it('never does so for a connection that is not a sandbox one', async () => {
    const def = w.def({ name: 'real' });
    await expect(openConnection(def, w.services).getCurrentAccount()).rejects.toThrow(/is not authorised/);
    expect(w.emu.requests.some((r) => r.route.startsWith('oauth2/'))).toBe(false);
  });

  it('says clearly when the sandbox cannot be reached', async () => {
    w.services.sandboxes.set('dropbox', { url: `http://127.0.0.1:${await freePort()}`, close: async () => {} });
    const def: ConnectionDefinition = { name: 'sandbox', type: 'dropbox', file: 'sandbox.yaml', sandbox: true };
    await expect(openConnection(def, w.services).getCurrentAccount()).rejects.toThrow(
      /^cannot reach the sandbox consent page: .*ECONNREFUSED.*; is the daemon running with sandbox: true in config\.yaml\?$/,
    );
  });

  it('points at the proxy settings when the proxy is what cannot be reached', async () => {
    w.services.sandboxes.set('dropbox', { url: w.emu.url, close: async () => {} });
    const def: ConnectionDefinition = {
      name: 'sandbox',
      type: 'dropbox',
      file: 'sandbox.yaml',
      sandbox: true,
      proxy: { type: 'http', host: '127.0.0.1', port: await freePort(), proxyTunnel: false },
    };
    await expect(openConnection(def, w.services).getCurrentAccount()).rejects.toThrow(
      /^cannot reach the sandbox consent page: cannot reach the http proxy .*; check the connection's proxy settings$/,
    );
  });

  it('says clearly when the sandbox is not running', async () => {
    const def: ConnectionDefinition = { name: 'sandbox', type: 'dropbox', file: 'sandbox.yaml', sandbox: true };
    expect(() => openConnection(def, w.services)).toThrow(
      "connection 'sandbox' uses the sandbox but config.yaml has sandbox: false",
    );
  });
});
