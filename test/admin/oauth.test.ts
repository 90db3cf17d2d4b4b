// Sign-in flows through the admin API against the Dropbox emulator on loopback: the
// popup's callback (no session: the single-use state is the proof) and the paste flow.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { request } from 'undici';
import { startEmulator, type Emulator } from '../../plugins/dropbox/emulator/index.ts';
import { parseForm } from '../../plugins/dropbox/auth/sandbox-consent.ts';
import { openVault } from '../../src/store/vault.ts';
import { fixture, signIn, errorOf, type Fixture } from './helpers.ts';

/** Opens the consent page at `url`, presses Allow; returns the redirect or the page. */
async function allow(url: string): Promise<{ location?: string; html: string }> {
  const page = await request(url);
  const form = parseForm(await page.body.text(), url);
  if (!form) throw new Error('no consent form');
  const body = new URLSearchParams([...form.fields, ['decision', 'allow']]);
  const res = await request(form.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: body.toString(),
  });
  const html = await res.body.text();
  return { location: res.headers.location as string | undefined, html };
}

describe('authorising a connection through the admin API', () => {
  let emu: Emulator;
  let f: Fixture;
  let headers: Record<string, string>;
  beforeAll(async () => {
    emu = await startEmulator({ port: 0, host: '127.0.0.1' });
    f = await fixture({
      'config.yaml':
        'admin:\n  port: 0\nstate: ./state\nconnections: ./connections\njobs: ./jobs\nlogLevel: silent\ndropbox:\n  appKey: dropcron-sandbox\n',
      'connections/acct.yaml': `# reached through the emulator\nname: acct\ntype: dropbox\nendpoints:\n  api: ${emu.url}\n`,
    });
    ({ headers } = await signIn(f.app));
  });
  afterAll(async () => {
    await f?.close();
    await emu?.close();
  });

  const status = async () =>
    (await f.app.inject({ method: 'GET', url: '/api/connections/acct', headers })).json().connection.status;

  it('popup flow: the callback finishes it without a session, once', async () => {
    expect((await status()).state).toBe('needs-authorisation');
    const begin = await f.app.inject({
      method: 'POST',
      url: '/api/connections/acct/authorize',
      headers,
      payload: { mode: 'redirect' },
    });
    expect(begin.statusCode, begin.body).toBe(200);
    const { url, redirectUrl } = begin.json();
    // the fixture's origin, which the emulator's seed registers for the sandbox app
    expect(redirectUrl).toBe('http://127.0.0.1:8470/oauth2/callback');
    expect(new URL(url).searchParams.get('redirect_uri')).toBe(redirectUrl);
    const { location } = await allow(url);
    const back = new URL(location!);
    expect(back.origin + back.pathname).toBe(redirectUrl);
    const callback = `/oauth2/callback${back.search}`;
    const done = await f.app.inject({ method: 'GET', url: callback });
    expect(done.statusCode).toBe(200);
    expect(done.headers['content-type']).toMatch(/text\/html/);
    expect(done.body).toContain('data-ok="true"');
    expect(done.body).toMatch(/authorised as Sandy Sandbox/);
    expect(done.body).not.toMatch(/<script>/);
    expect((await status()).state).toBe('authorised');
    const again = await f.app.inject({ method: 'GET', url: callback });
    expect(again.body).toContain('data-ok="false"');
    expect(again.body).toMatch(/not started here, was already used or has expired/);
  });

  it('a forged or denied callback does not authorise anything', async () => {
    const forged = await f.app.inject({ method: 'GET', url: '/oauth2/callback?code=abc&state=forged' });
    expect(forged.body).toContain('data-ok="false"');
    const begin = (
      await f.app.inject({
        method: 'POST',
        url: '/api/connections/acct/authorize',
        headers,
        payload: { mode: 'redirect' },
      })
    ).json();
    const denied = await f.app.inject({
      method: 'GET',
      url: `/oauth2/callback?state=${encodeURIComponent(begin.state)}&error=access_denied&error_description=${encodeURIComponent('The user chose not to give your app access.')}`,
    });
    expect(denied.body).toContain('data-ok="false"');
    expect(denied.body).toMatch(/not to give your app access|access_denied|denied/i);
  });

  it('paste flow: the code shown by Dropbox finishes it; disconnect revokes', async () => {
    await f.app.inject({ method: 'POST', url: '/api/connections/acct/disconnect', headers });
    expect((await status()).state).not.toBe('authorised');
    const begin = (
      await f.app.inject({
        method: 'POST',
        url: '/api/connections/acct/authorize',
        headers,
        payload: { mode: 'paste' },
      })
    ).json();
    expect(new URL(begin.url).searchParams.get('redirect_uri')).toBeNull();
    const { html } = await allow(begin.url);
    const code = /<code id="code">([^<]+)<\/code>/.exec(html)![1]!;
    const wrong = await f.app.inject({
      method: 'POST',
      url: '/api/connections/acct/authorize/complete',
      headers,
      payload: { state: 'not-mine', code },
    });
    expect(wrong.statusCode).toBe(400);
    expect(errorOf(wrong)).toMatch(/state/);
    const begin2 = (
      await f.app.inject({
        method: 'POST',
        url: '/api/connections/acct/authorize',
        headers,
        payload: { mode: 'paste' },
      })
    ).json();
    const { html: html2 } = await allow(begin2.url);
    const code2 = /<code id="code">([^<]+)<\/code>/.exec(html2)![1]!;
    const done = await f.app.inject({
      method: 'POST',
      url: '/api/connections/acct/authorize/complete',
      headers,
      payload: { state: begin2.state, code: ` ${code2} ` },
    });
    expect(done.statusCode, done.body).toBe(200);
    expect(done.json().status.state).toBe('authorised');

    // the refresh token is in the vault, encrypted, and in no response
    const vault = await openVault(join(f.dir, 'state'), f.env);
    const refresh = await vault.secret('acct', 'refreshToken');
    expect(refresh).toBeTruthy();
    for (const url of ['/api/connections', '/api/connections/acct', '/api/jobs', '/api/openapi.json']) {
      expect((await f.app.inject({ method: 'GET', url, headers })).body, url).not.toContain(refresh);
    }
    const test = await f.app.inject({ method: 'POST', url: '/api/connections/acct/test', headers });
    expect(test.statusCode, test.body).toBe(200);
    expect(test.body).not.toContain(refresh);
    expect(test.json().report.ok).toBe(true);
    const browse = await f.app.inject({ method: 'GET', url: '/api/connections/acct/browse?path=', headers });
    expect(browse.statusCode, browse.body).toBe(200);
    expect(Array.isArray(browse.json().entries)).toBe(true);

    const off = await f.app.inject({ method: 'POST', url: '/api/connections/acct/disconnect', headers });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json().revoked).toBe(true);
    expect(off.json().status.state).toBe('needs-authorisation');
    expect(await vault.secret('acct', 'refreshToken')).toBeUndefined();
  });
});
