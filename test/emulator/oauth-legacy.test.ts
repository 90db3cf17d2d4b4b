// The pre-v2 OAuth paths some widely used clients still call: /1/oauth2/authorize and
// /1/oauth2/token are aliases of the current ones, as at Dropbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountIdOf, startEmulator, type Emulator } from './helpers.ts';
import { REDIRECT, consent, token } from './oauth-helpers.ts';

let emu: Emulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());

describe('legacy /1/oauth2 paths', () => {
  it('link an account and refresh its token through /1/oauth2/authorize and /1/oauth2/token', async () => {
    const params = {
      client_id: 'custom-app',
      response_type: 'code',
      redirect_uri: REDIRECT,
      state: 'old-client',
      token_access_type: 'offline',
    };
    const r = await consent(emu, params, { path: '/1/oauth2/authorize' });
    expect(r.page.status).toBe(200);
    const back = new URL(r.location!);
    expect(back.searchParams.get('state')).toBe('old-client');
    const secret = { client_id: 'custom-app', client_secret: 'custom-secret' };
    const code = back.searchParams.get('code')!;
    const grant = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, ...secret };
    const t = await token(emu, grant, {}, '/1/oauth2/token');
    expect(t.status).toBe(200);
    expect(t.json.account_id).toBe(accountIdOf(emu, 'sandy'));
    const refreshed = await token(
      emu,
      { grant_type: 'refresh_token', refresh_token: t.json.refresh_token, ...secret },
      {},
      '/1/oauth2/token',
    );
    expect(refreshed.status).toBe(200);
    expect(refreshed.json.access_token).toMatch(/^sl\./);
    // Codes stay single-use across the aliases.
    expect((await token(emu, grant)).json.error).toBe('invalid_grant');
    const routes = emu.requests.map((x) => `${x.route} ${x.status}`);
    expect(routes).toEqual(
      expect.arrayContaining(['1/oauth2/authorize 200', '1/oauth2/token 200', 'oauth2/token 400']),
    );
    // Only those two: other /1/ paths stay unknown.
    expect((await fetch(`${emu.url}/1/oauth2/revoke`, { method: 'POST' })).status).toBe(404);
  });
});
