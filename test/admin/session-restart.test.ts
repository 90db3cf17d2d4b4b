// Issue 15 row 7: sessions survive a restart of the admin server (kept in the state
// directory by the hash of their id), end on sign-out for good, and expire on their own.
import { afterEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildAdminServer } from '../../src/admin/server.ts';
import { adminPassword } from '../../src/admin/password.ts';
import { Sessions, SESSIONS_FILE } from '../../src/admin/session.ts';
import { fixture, signIn, PASSWORD, type Fixture } from './helpers.ts';

describe('admin sessions across restarts', () => {
  let f: Fixture;
  afterEach(() => f.close());

  /** A second admin server on the same state directory: the daemon restarted. */
  async function restarted() {
    await f.app.close();
    const state = f.ctx.loaded().config.state;
    f.app = await buildAdminServer(f.ctx, { password: await adminPassword(PASSWORD, state, () => {}) });
    return f.app;
  }

  it('keeps a signed-in session through a restart, and sign-out ends it for good', async () => {
    f = await fixture();
    const { cookie, headers } = await signIn(f.app);
    const file = await readFile(join(f.ctx.loaded().config.state, SESSIONS_FILE), 'utf8');
    // The file holds no cookie value.
    expect(file).not.toContain(cookie.split('=')[1]);

    let app = await restarted();
    const me = await app.inject({ method: 'GET', url: '/api/jobs', headers });
    expect(me.statusCode, me.body).toBe(200);
    // The CSRF token of before still guards edits.
    const out = await app.inject({ method: 'DELETE', url: '/api/session', headers });
    expect(out.statusCode, out.body).toBeLessThan(300);

    app = await restarted();
    expect((await app.inject({ method: 'GET', url: '/api/jobs', headers })).statusCode).toBe(401);
  });

  it('expires a stored session after 12 idle hours, also when read back after a restart', async () => {
    f = await fixture();
    const state = f.ctx.loaded().config.state;
    let now = Date.parse('2026-06-01T12:00:00Z');
    const clock = { now: () => now };
    const before = await Sessions.open(state, clock);
    const s = before.create();
    await before.flush();
    now += 11 * 3600_000;
    const after = await Sessions.open(state, clock);
    expect((await after.get(s.id))?.csrf).toBe(s.csrf);
    await after.flush();
    now += 12 * 3600_000 + 1;
    expect(await (await Sessions.open(state, clock)).get(s.id)).toBeUndefined();
  });
});
