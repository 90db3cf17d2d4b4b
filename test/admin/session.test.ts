import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixture, signIn, errorOf, basedOnCurrent, type Fixture } from './helpers.ts';
import { adminPassword, PASSWORD_FILE } from '../../src/admin/password.ts';

describe('admin sign-in, sessions and CSRF', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await fixture({ 'connections/home.yaml': 'name: home\ntype: dropbox\nsandbox: true\n' });
  });
  afterEach(() => f.close());

  it('answers no route but sign-in, /health, the OAuth callback and the page files without a session', async () => {
    const open = new Set(['GET /health', 'GET /api/session', 'POST /api/session', 'GET /oauth2/callback']);
    const routes = f.app.printRoutes({ commonPrefix: false });
    const found: string[] = [];
    for (const line of routes.split('\n')) {
      // Top-level entries print without their leading slash (`views/app.js`); deeper ones are relative.
      const m = /^([^\s(]*[/][^\s(]*) \(([A-Z, ]+)\)/.exec(line.replace(/^[\s│├└─]+/, ''));
      const path = m?.[1]!.startsWith('/') ? m[1] : `/${m?.[1]}`;
      if (m) for (const method of m[2]!.split(', ')) found.push(`${method} ${path}`);
    }
    expect(found.length).toBeGreaterThan(15);
    for (const r of found) {
      const [method, path] = r.split(' ') as [string, string];
      // Its answer is whether there is a session: without one, that is 401.
      if (method === 'HEAD' || r === 'GET /api/session') continue;
      const url = path.replace(':name', 'home').replace(':index', '0').replace(':id', 'x');
      const res = await f.app.inject({
        method: method as 'GET',
        url,
        payload: ['POST', 'PUT', 'PATCH'].includes(method) ? {} : undefined,
      });
      if (open.has(r) || (method === 'GET' && /^\/(|[\w/-]+\.(?:html|js|css|svg))$/.test(path))) {
        expect(res.statusCode, r).not.toBe(401);
      } else {
        expect(res.statusCode, r).toBe(401);
        expect(errorOf(res)).toBe('sign in first');
      }
    }
    // unknown paths too: no session, no answer
    expect((await f.app.inject({ method: 'GET', url: '/api/nope' })).statusCode).toBe(401);
  });

  it('rejects a wrong password with 401 and a message, a missing one with 400', async () => {
    const bad = await f.app.inject({ method: 'POST', url: '/api/session', payload: { password: 'nope' } });
    expect(bad.statusCode).toBe(401);
    expect(errorOf(bad)).toBe('wrong password');
    const none = await f.app.inject({ method: 'POST', url: '/api/session', payload: {} });
    expect(none.statusCode).toBe(400);
    expect(errorOf(none)).toMatch(/must have required property 'password'/);
  });

  it('sets an httpOnly, SameSite=strict session cookie and returns a CSRF token', async () => {
    const res = await f.app.inject({
      method: 'POST',
      url: '/api/session',
      payload: { password: 'correct horse battery staple' },
    });
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^dropcron_session=[A-Za-z0-9_-]{40,};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(res.json().csrf).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  });

  it('refuses state-changing requests without the CSRF header, or with a wrong one', async () => {
    const { cookie, csrf } = await signIn(f.app);
    const url = '/api/connections/home';
    const payload = { settings: { description: 'x' } };
    const none = await f.app.inject({ method: 'PATCH', url, headers: { cookie }, payload });
    expect(none.statusCode).toBe(403);
    expect(errorOf(none)).toMatch(/x-csrf-token/);
    const wrong = await f.app.inject({
      method: 'PATCH',
      url,
      headers: { cookie, 'x-csrf-token': csrf.slice(0, -2) + 'xx' },
      payload,
    });
    expect(wrong.statusCode).toBe(403);
    for (const [method, u] of [
      ['POST', '/api/connections'],
      ['DELETE', url],
      ['POST', '/api/jobs/x/run'],
      ['DELETE', '/api/session'],
    ] as const) {
      const res = await f.app.inject({
        method,
        url: u,
        headers: { cookie },
        payload: method === 'POST' ? {} : undefined,
      });
      expect(res.statusCode, `${method} ${u}`).toBe(403);
    }
    const ok = await f.app.inject({
      method: 'PATCH',
      url,
      headers: await basedOnCurrent(f.app, url, { cookie, 'x-csrf-token': csrf }),
      payload,
    });
    expect(ok.statusCode).toBe(200);
    // GETs need the session only
    expect((await f.app.inject({ method: 'GET', url: '/api/connections', headers: { cookie } })).statusCode).toBe(200);
  });

  it('takes sign-in only as JSON (a cross-site form cannot post it) and answers only to loopback host names', async () => {
    const form = await f.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'password=x',
    });
    expect(form.statusCode).toBe(415);
    expect(errorOf(form)).toMatch(/content-type/i);
    const rebound = await f.app.inject({ method: 'GET', url: '/health', headers: { host: 'attacker.example:8470' } });
    expect(rebound.statusCode).toBe(421);
    expect(errorOf(rebound)).toMatch(/only to 127\.0\.0\.1, localhost, \[::1\], not 'attacker\.example'/);
    for (const host of ['127.0.0.1:8470', 'localhost:8470', '[::1]:8470']) {
      expect((await f.app.inject({ method: 'GET', url: '/', headers: { host } })).statusCode, host).toBe(200);
    }
  });

  it('signs out: the old cookie no longer works', async () => {
    const { headers } = await signIn(f.app);
    expect((await f.app.inject({ method: 'DELETE', url: '/api/session', headers })).statusCode).toBe(204);
    expect((await f.app.inject({ method: 'GET', url: '/api/connections', headers })).statusCode).toBe(401);
  });

  it('sends a strict CSP and other security headers; the page has no inline script', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toMatch(/default-src 'self'/);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.body).not.toMatch(/\son[a-z]+=/i);
  });

  it('publishes an OpenAPI document built from the route schemas', async () => {
    const { headers } = await signIn(f.app);
    const doc = (await f.app.inject({ method: 'GET', url: '/api/openapi.json', headers })).json();
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/connections', '/api/connections/{name}', '/api/jobs/{name}/run', '/api/session']),
    );
    expect(doc.paths['/api/session'].post.requestBody.content['application/json'].schema.required).toEqual([
      'password',
    ]);
  });
});

describe('generated admin password', () => {
  it('is announced once and stored only as a scrypt hash', async () => {
    const f = await fixture();
    try {
      const state = join(f.dir, 'state');
      const lines: string[] = [];
      const check = await adminPassword(undefined, state, (l) => lines.push(l));
      expect(lines).toHaveLength(1);
      const password = /: (\S+)$/.exec(lines[0]!)![1]!;
      const stored = await readFile(join(state, PASSWORD_FILE), 'utf8');
      expect(stored).not.toContain(password);
      expect(JSON.parse(stored)).toMatchObject({ v: 1, N: 32768 });
      expect(await check.verify(password)).toBe(true);
      expect(await check.verify(password + 'x')).toBe(false);
      const again: string[] = [];
      const second = await adminPassword(undefined, state, (l) => again.push(l));
      expect(again).toHaveLength(0);
      expect(await second.verify(password)).toBe(true);
    } finally {
      await f.close();
    }
  });
});
