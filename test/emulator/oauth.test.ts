// OAuth 2 as Dropbox does it: consent page, code + PKCE or secret, refresh, revoke.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { accountIdOf, client, memberOf, startEmulator, type Emulator } from './helpers.ts';
import { REDIRECT, consent, pkce, token } from './oauth-helpers.ts';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());
afterEach(() => vi.useRealTimers());

async function codeFor(params: Record<string, string>, account = accountIdOf(emu, 'sandy')): Promise<string> {
  const r = await consent(emu, params, { account });
  expect(r.res!.status).toBe(302);
  const loc = new URL(r.location!);
  expect(loc.origin + loc.pathname).toBe(params.redirect_uri);
  return loc.searchParams.get('code')!;
}

describe('authorize page', () => {
  it('renders a consent form with Allow and Deny for a registered app', async () => {
    const res = await fetch(
      `${emu.url}/oauth2/authorize?client_id=dropcron-sandbox&response_type=code&redirect_uri=${encodeURIComponent(REDIRECT)}`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toMatch(/<form id="consent" method="post" action="\/oauth2\/authorize">/);
    expect(html).toContain('id="allow"');
    expect(html).toContain('id="deny"');
    expect(html).toContain('Alice Archer');
  });

  it('shows an error page for an unknown client, a mismatching redirect_uri, bad PKCE params or scopes', async () => {
    const bad = async (q: string) => {
      const res = await fetch(`${emu.url}/oauth2/authorize?${q}`);
      return { status: res.status, html: await res.text() };
    };
    expect((await bad('client_id=nope&response_type=code')).status).toBe(400);
    const mismatch = await bad(
      `client_id=dropcron-sandbox&response_type=code&redirect_uri=${encodeURIComponent('http://127.0.0.1:53682/other')}`,
    );
    expect(mismatch.status).toBe(400);
    expect(mismatch.html).toContain('must exactly match');
    // Port and trailing slash count.
    expect(
      (
        await bad(
          `client_id=dropcron-sandbox&response_type=code&redirect_uri=${encodeURIComponent('http://127.0.0.1:53683/oauth2/callback')}`,
        )
      ).status,
    ).toBe(400);
    expect((await bad('client_id=dropcron-sandbox&response_type=token')).status).toBe(400);
    expect(
      (await bad('client_id=dropcron-sandbox&response_type=code&code_challenge=short&code_challenge_method=S256'))
        .status,
    ).toBe(400);
    expect((await bad('client_id=dropcron-sandbox&response_type=code&code_challenge_method=S256')).status).toBe(400);
    expect((await bad('client_id=dropcron-sandbox&response_type=code&scope=files.everything')).status).toBe(400);
  });

  it('Deny redirects with error=access_denied and the state', async () => {
    const r = await consent(
      emu,
      { client_id: 'dropcron-sandbox', response_type: 'code', redirect_uri: REDIRECT, state: 's-123' },
      { decision: 'deny' },
    );
    expect(r.res!.status).toBe(302);
    const loc = new URL(r.location!);
    expect(loc.searchParams.get('error')).toBe('access_denied');
    expect(loc.searchParams.get('error_description')).toBeTruthy();
    expect(loc.searchParams.get('state')).toBe('s-123');
    expect(loc.searchParams.get('code')).toBeNull();
  });

  it('registerRedirectUri allows a test port', async () => {
    const uri = 'http://127.0.0.1:45678/cb';
    const before = await fetch(
      `${emu.url}/oauth2/authorize?client_id=custom-app&response_type=code&redirect_uri=${encodeURIComponent(uri)}`,
    );
    expect(before.status).toBe(400);
    emu.registerRedirectUri('custom-app', uri);
    const code = await codeFor({ client_id: 'custom-app', response_type: 'code', redirect_uri: uri });
    expect(code).toBeTruthy();
  });
});

describe('code exchange', () => {
  for (const method of ['S256', 'plain'] as const) {
    it(`PKCE ${method}: offline access gives a refresh token; the access token works`, async () => {
      const p = pkce(method);
      const code = await codeFor({
        client_id: 'dropcron-sandbox',
        response_type: 'code',
        redirect_uri: REDIRECT,
        code_challenge: p.challenge,
        code_challenge_method: method,
        token_access_type: 'offline',
        state: 'x',
      });
      const r = await token(emu, {
        grant_type: 'authorization_code',
        code,
        client_id: 'dropcron-sandbox',
        code_verifier: p.verifier,
        redirect_uri: REDIRECT,
      });
      expect(r.status).toBe(200);
      expect(r.json).toMatchObject({ token_type: 'bearer', expires_in: 14400, account_id: accountIdOf(emu, 'sandy') });
      expect(r.json.access_token).toMatch(/^sl\./);
      expect(r.json.refresh_token).toEqual(expect.any(String));
      expect(r.json.scope.split(' ')).toContain('files.content.write');
      const me = await client(emu, r.json.access_token).rpc('users/get_current_account');
      expect(me.json.account_id).toBe(accountIdOf(emu, 'sandy'));
    });
  }

  it('a wrong code_verifier is invalid_grant; codes are single-use', async () => {
    const p = pkce();
    const code = await codeFor({
      client_id: 'dropcron-sandbox',
      response_type: 'code',
      redirect_uri: REDIRECT,
      code_challenge: p.challenge,
      code_challenge_method: 'S256',
    });
    const wrong = await token(emu, {
      grant_type: 'authorization_code',
      code,
      client_id: 'dropcron-sandbox',
      code_verifier: pkce().verifier,
      redirect_uri: REDIRECT,
    });
    expect(wrong).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
    const p2 = pkce();
    const code2 = await codeFor({
      client_id: 'dropcron-sandbox',
      response_type: 'code',
      redirect_uri: REDIRECT,
      code_challenge: p2.challenge,
      code_challenge_method: 'S256',
    });
    const ok = await token(emu, {
      grant_type: 'authorization_code',
      code: code2,
      client_id: 'dropcron-sandbox',
      code_verifier: p2.verifier,
      redirect_uri: REDIRECT,
    });
    expect(ok.status).toBe(200);
    expect(ok.json.refresh_token).toBeUndefined(); // online (the default): no refresh token
    const again = await token(emu, {
      grant_type: 'authorization_code',
      code: code2,
      client_id: 'dropcron-sandbox',
      code_verifier: p2.verifier,
      redirect_uri: REDIRECT,
    });
    expect(again).toMatchObject({
      status: 400,
      json: { error: 'invalid_grant', error_description: "code doesn't exist or has expired" },
    });
  });

  it('redirect_uri must equal the one sent to authorize', async () => {
    const p = pkce();
    const code = await codeFor({
      client_id: 'dropcron-sandbox',
      response_type: 'code',
      redirect_uri: REDIRECT,
      code_challenge: p.challenge,
      code_challenge_method: 'S256',
    });
    const r = await token(emu, {
      grant_type: 'authorization_code',
      code,
      client_id: 'dropcron-sandbox',
      code_verifier: p.verifier,
      redirect_uri: 'http://localhost:53682/oauth2/callback',
    });
    expect(r).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
  });

  it('codes expire after 10 minutes', async () => {
    const p = pkce();
    const code = await codeFor({
      client_id: 'dropcron-sandbox',
      response_type: 'code',
      redirect_uri: REDIRECT,
      code_challenge: p.challenge,
      code_challenge_method: 'S256',
    });
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 10 * 60 * 1000 + 1000);
    const r = await token(emu, {
      grant_type: 'authorization_code',
      code,
      client_id: 'dropcron-sandbox',
      code_verifier: p.verifier,
      redirect_uri: REDIRECT,
    });
    expect(r).toMatchObject({ status: 400, json: { error: 'invalid_grant' } });
  });

  it('secret flow: Basic auth or body; a wrong secret is invalid_client; no secret and no PKCE is refused', async () => {
    const params = {
      client_id: 'custom-app',
      response_type: 'code',
      redirect_uri: REDIRECT,
      token_access_type: 'offline',
    };
    const basic = 'Basic ' + Buffer.from('custom-app:custom-secret').toString('base64');
    const c1 = await codeFor(params);
    const viaBasic = await token(
      emu,
      { grant_type: 'authorization_code', code: c1, redirect_uri: REDIRECT },
      { Authorization: basic },
    );
    expect(viaBasic.status).toBe(200);
    expect(viaBasic.json.refresh_token).toBeTruthy();
    const c2 = await codeFor(params);
    const viaBody = await token(emu, {
      grant_type: 'authorization_code',
      code: c2,
      redirect_uri: REDIRECT,
      client_id: 'custom-app',
      client_secret: 'custom-secret',
    });
    expect(viaBody.status).toBe(200);
    const c3 = await codeFor(params);
    expect(
      await token(emu, {
        grant_type: 'authorization_code',
        code: c3,
        redirect_uri: REDIRECT,
        client_id: 'custom-app',
        client_secret: 'nope',
      }),
    ).toMatchObject({ status: 400, json: { error: 'invalid_client' } });
    const c4 = await codeFor(params);
    expect(
      (
        await token(emu, {
          grant_type: 'authorization_code',
          code: c4,
          redirect_uri: REDIRECT,
          client_id: 'custom-app',
        })
      ).status,
    ).toBe(400);
  });

  it('no-redirect mode shows the code to paste; the exchange then sends no redirect_uri', async () => {
    const p = pkce();
    const r = await consent(emu, {
      client_id: 'dropcron-sandbox',
      response_type: 'code',
      code_challenge: p.challenge,
      code_challenge_method: 'S256',
    });
    expect(r.res!.status).toBe(200);
    const code = /<code id="code">([^<]+)<\/code>/.exec(r.body!)![1]!;
    const t = await token(emu, {
      grant_type: 'authorization_code',
      code,
      client_id: 'dropcron-sandbox',
      code_verifier: p.verifier,
    });
    expect(t.status).toBe(200);
  });

  it('accepts parameters in the query string, as the JS SDK sends them', async () => {
    const p = pkce();
    const code = await codeFor({
      client_id: 'dropcron-sandbox',
      response_type: 'code',
      redirect_uri: REDIRECT,
      code_challenge: p.challenge,
      code_challenge_method: 'S256',
    });
    const res = await fetch(
      `${emu.url}/oauth2/token?grant_type=authorization_code&code=${code}&client_id=dropcron-sandbox&code_verifier=${p.verifier}&redirect_uri=${REDIRECT}`,
      { method: 'POST' },
    );
    expect(res.status).toBe(200);
  });

  it('legacy access gives one long-lived token without expires_in', async () => {
    const p = pkce();
    const code = await codeFor({
      client_id: 'dropcron-sandbox',
      response_type: 'code',
      redirect_uri: REDIRECT,
      code_challenge: p.challenge,
      code_challenge_method: 'S256',
      token_access_type: 'legacy',
    });
    const t = await token(emu, {
      grant_type: 'authorization_code',
      code,
      client_id: 'dropcron-sandbox',
      code_verifier: p.verifier,
      redirect_uri: REDIRECT,
    });
    expect(t.status).toBe(200);
    expect(t.json.expires_in).toBeUndefined();
    expect(t.json.refresh_token).toBeUndefined();
    expect(t.json.access_token).not.toMatch(/^sl\./);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 365 * 24 * 3600 * 1000);
    expect((await client(emu, t.json.access_token).rpc('users/get_current_account')).status).toBe(200);
  });

  it('grant type errors', async () => {
    expect(await token(emu, { client_id: 'dropcron-sandbox' })).toMatchObject({
      status: 400,
      json: { error: 'invalid_request' },
    });
    expect(await token(emu, { grant_type: 'password', client_id: 'dropcron-sandbox' })).toMatchObject({
      status: 400,
      json: { error: 'unsupported_grant_type' },
    });
    expect(await token(emu, { grant_type: 'authorization_code', code: 'x', client_id: 'nope' })).toMatchObject({
      status: 400,
      json: { error: 'invalid_client' },
    });
  });

  it('a team admin asking for team scopes gets a team link; a non-admin is refused', async () => {
    const scope = 'team_data.member members.read files.content.read';
    const code = await codeFor(
      { client_id: 'custom-app', response_type: 'code', redirect_uri: REDIRECT, scope },
      'alice',
    );
    const t = await token(emu, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: 'custom-app',
      client_secret: 'custom-secret',
    });
    expect(t.json).toMatchObject({ team_id: memberOf(emu, 'alice').teamId, scope });
    expect(t.json.account_id).toBeUndefined();
    const bob = await consent(
      emu,
      { client_id: 'custom-app', response_type: 'code', redirect_uri: REDIRECT, scope },
      { account: 'bob' },
    );
    expect(bob.res!.status).toBe(403);
  });
});

describe('refresh and revoke', () => {
  async function offline() {
    const p = pkce();
    const code = await codeFor({
      client_id: 'dropcron-sandbox',
      response_type: 'code',
      redirect_uri: REDIRECT,
      code_challenge: p.challenge,
      code_challenge_method: 'S256',
      token_access_type: 'offline',
    });
    return (
      await token(emu, {
        grant_type: 'authorization_code',
        code,
        client_id: 'dropcron-sandbox',
        code_verifier: p.verifier,
        redirect_uri: REDIRECT,
      })
    ).json;
  }

  it('refresh gives a new access token and only access_token, token_type, expires_in', async () => {
    const t = await offline();
    const r = await token(emu, {
      grant_type: 'refresh_token',
      refresh_token: t.refresh_token,
      client_id: 'dropcron-sandbox',
    });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(r.json.access_token).not.toBe(t.access_token);
    expect((await client(emu, r.json.access_token).rpc('users/get_current_account')).status).toBe(200);
    const narrow = await token(emu, {
      grant_type: 'refresh_token',
      refresh_token: t.refresh_token,
      client_id: 'dropcron-sandbox',
      scope: 'account_info.read',
    });
    const denied = await client(emu, narrow.json.access_token).rpc('files/list_folder', { path: '' });
    expect(denied.status).toBe(401);
  });

  it('a secret-flow refresh token needs the secret', async () => {
    const code = await codeFor({
      client_id: 'custom-app',
      response_type: 'code',
      redirect_uri: REDIRECT,
      token_access_type: 'offline',
    });
    const t = (
      await token(emu, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        client_id: 'custom-app',
        client_secret: 'custom-secret',
      })
    ).json;
    expect(
      (await token(emu, { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: 'custom-app' })).json
        .error,
    ).toBe('invalid_client');
    expect(
      (
        await token(emu, {
          grant_type: 'refresh_token',
          refresh_token: t.refresh_token,
          client_id: 'custom-app',
          client_secret: 'custom-secret',
        })
      ).status,
    ).toBe(200);
  });

  it('revoke kills the access token, its refresh token and its siblings', async () => {
    const t = await offline();
    const sibling = (
      await token(emu, { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: 'dropcron-sandbox' })
    ).json.access_token;
    const c = client(emu, t.access_token);
    const r = await c.rpc('auth/token/revoke');
    expect(r.status).toBe(200);
    expect(r.text).toBe('null');
    const after = await c.rpc('users/get_current_account');
    expect(after.status).toBe(401);
    expect(after.json).toEqual({ error_summary: 'invalid_access_token/..', error: { '.tag': 'invalid_access_token' } });
    expect((await client(emu, sibling).rpc('users/get_current_account')).status).toBe(401);
    expect(
      await token(emu, { grant_type: 'refresh_token', refresh_token: t.refresh_token, client_id: 'dropcron-sandbox' }),
    ).toMatchObject({
      status: 400,
      json: { error: 'invalid_grant' },
    });
  });
});

describe('token checks on API calls', () => {
  it('missing scope is 401 missing_scope naming the scope', async () => {
    const c = client(emu, emu.issueToken({ scopes: ['files.metadata.read'] }).accessToken);
    expect((await c.rpc('files/list_folder', { path: '' })).status).toBe(200);
    const r = await c.upload('files/upload', { path: '/x.txt' }, 'x');
    expect(r.status).toBe(401);
    expect(r.json).toEqual({
      error_summary: 'missing_scope/..',
      error: { '.tag': 'missing_scope', required_scope: 'files.content.write' },
    });
  });

  it('expired tokens answer expired_access_token; refreshing helps', async () => {
    const issued = emu.issueToken({ ttlSeconds: 3600 });
    const c = client(emu, issued.accessToken);
    expect((await c.rpc('users/get_current_account')).status).toBe(200);
    emu.expireAccessTokens();
    const r = await c.rpc('users/get_current_account');
    expect(r.status).toBe(401);
    expect(r.json.error).toEqual({ '.tag': 'expired_access_token' });
    const fresh = await token(emu, {
      grant_type: 'refresh_token',
      refresh_token: issued.refreshToken,
      client_id: 'dropcron-sandbox',
      client_secret: 'dropcron-sandbox-secret',
    });
    expect((await client(emu, fresh.json.access_token).rpc('users/get_current_account')).status).toBe(200);
  });

  it('an upload with a bad token is answered 401 before its body is read', async () => {
    const c = client(emu, 'sl.not-a-token');
    const r = await c.upload('files/upload', { path: '/big.bin' }, Buffer.alloc(20 * 1024 * 1024));
    expect(r.status).toBe(401);
    expect(r.json.error['.tag']).toBe('invalid_access_token');
    const log = emu.requests.filter((x) => x.route === 'files/upload').at(-1)!;
    expect(log.bytesIn).toBe(0);
  });

  it('a short ttl expires by the clock', async () => {
    const c = client(emu, emu.issueToken({ ttlSeconds: 60 }).accessToken);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 61_000);
    expect((await c.rpc('users/get_current_account')).json.error['.tag']).toBe('expired_access_token');
  });

  it('no Authorization header or a non-Bearer one is a 400; an unknown token a 401', async () => {
    const none = await fetch(`${emu.url}/2/users/get_current_account`, { method: 'POST' });
    expect(none.status).toBe(400);
    expect(await none.text()).toContain('Must provide HTTP header "Authorization"');
    const basic = await fetch(`${emu.url}/2/users/get_current_account`, {
      method: 'POST',
      headers: { Authorization: 'Basic abc' },
    });
    expect(basic.status).toBe(400);
    const unknown = await client(emu, 'sl.unknown').rpc('users/get_current_account');
    expect(unknown.status).toBe(401);
    expect(unknown.json.error['.tag']).toBe('invalid_access_token');
  });

  it('revokeAll invalidates every token and refresh token', async () => {
    const e2 = await startEmulator();
    try {
      const t = e2.issueToken();
      e2.revokeAll();
      expect((await client(e2, t.accessToken).rpc('users/get_current_account')).status).toBe(401);
      expect(
        (
          await token(e2, {
            grant_type: 'refresh_token',
            refresh_token: t.refreshToken,
            client_id: 'dropcron-sandbox',
            client_secret: 'dropcron-sandbox-secret',
          })
        ).json.error,
      ).toBe('invalid_grant');
    } finally {
      await e2.close();
    }
  });
});
