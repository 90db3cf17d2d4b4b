// Sign-in throttling counts failed attempts only, per client, with a doubling wait;
// a correct password is never refused because of someone else's failures.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SignInLimiter } from '../../src/admin/sign-in-limit.ts';
import { fixture, errorOf, PASSWORD, type Fixture } from './helpers.ts';

describe('SignInLimiter', () => {
  let t = 0;
  const limiter = () => new SignInLimiter(() => t);
  beforeEach(() => {
    t = 1_000_000;
  });

  it('lets three failures pass, then waits 1, 2, 4, 8 s: doubling with each further failure', () => {
    const l = limiter();
    const keys = l.keysFor('10.0.0.9', undefined);
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      t += l.waitMs(keys); // the attacker waits exactly as long as told
      expect(l.waitMs(keys)).toBe(0);
      l.failed(keys);
      waits.push(l.waitMs(keys));
    }
    expect(waits).toEqual([0, 0, 0, 1000, 2000, 4000, 8000]);
  });

  it('a success clears the client, a quiet hour forgets it, and waits stop growing at 15 min', () => {
    const l = limiter();
    const keys = l.keysFor('10.0.0.9', undefined);
    for (let i = 0; i < 40; i++) l.failed(keys);
    expect(l.waitMs(keys)).toBe(15 * 60 * 1000);
    l.succeeded(keys);
    expect(l.waitMs(keys)).toBe(0);
    for (let i = 0; i < 5; i++) l.failed(keys);
    t += 61 * 60 * 1000;
    l.failed(l.keysFor('10.0.0.10', undefined)); // any failure sweeps forgotten counts
    for (let i = 0; i < 3; i++) l.failed(keys);
    expect(l.waitMs(keys)).toBe(0);
  });

  it('a known browser is judged by its own failures only; forged device tokens count as unknown', () => {
    const l = limiter();
    const device = l.issueDevice();
    expect(l.keysFor('127.0.0.1', device)).toEqual([expect.stringMatching(/^device:/)]);
    const forged = `${device.split('.')[0]}.${'A'.repeat(43)}`;
    expect(l.keysFor('127.0.0.1', forged)).toEqual(['ip:127.0.0.1', 'account']);
    expect(l.keysFor('127.0.0.1', new SignInLimiter(() => t).issueDevice())).toEqual(['ip:127.0.0.1', 'account']);
    for (let i = 0; i < 20; i++) l.failed(l.keysFor('127.0.0.1', undefined));
    expect(l.waitMs(l.keysFor('127.0.0.1', undefined))).toBeGreaterThan(0);
    expect(l.waitMs(l.keysFor('127.0.0.1', device))).toBe(0);
  });

  it('unknown clients from many addresses together reach the account count; their successes do not', () => {
    const l = limiter();
    const from = (i: number) => l.keysFor(`10.1.${i >> 8}.${i & 255}`, undefined);
    for (let i = 0; i < 300; i++) {
      l.failed(from(i)); // every attempt counts as failed until the password proves right
      l.succeeded(from(i));
    }
    expect(l.waitMs(l.keysFor('192.168.7.7', undefined))).toBe(0);
    for (let i = 0; i < 101; i++) l.failed(from(i));
    expect(l.waitMs(l.keysFor('192.168.7.7', undefined))).toBe(1000);
  });
});

describe('POST /api/session throttling', () => {
  let f: Fixture;
  beforeEach(async () => {
    f = await fixture();
  });
  afterEach(() => f.close());

  const attempt = (password: string, remoteAddress: string, cookie?: string) =>
    f.app.inject({
      method: 'POST',
      url: '/api/session',
      remoteAddress,
      headers: cookie ? { cookie } : {},
      payload: { password },
    });
  const deviceCookie = (res: Awaited<ReturnType<typeof attempt>>) => {
    const set = res.headers['set-cookie'];
    const device = (Array.isArray(set) ? set : [String(set)]).find((c) => c.startsWith('dropcron_device='));
    expect(device).toMatch(/HttpOnly/);
    expect(device).toMatch(/SameSite=Strict/);
    expect(device).toMatch(/Path=\/api\/session/);
    return device!.split(';')[0]!;
  };

  it('successful sign-ins never count: fifteen in a row all succeed', async () => {
    for (let i = 0; i < 15; i++) expect((await attempt(PASSWORD, '10.0.0.1')).statusCode).toBe(200);
  });

  it('failures from one client hold back that client only; the right password from elsewhere or a known browser gets in', async () => {
    // A browser on this machine signed in yesterday; a local process then starts guessing.
    const known = deviceCookie(await attempt(PASSWORD, '127.0.0.1'));
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await attempt(`guess-${i}`, '127.0.0.1')).statusCode);
    expect(codes).toEqual([401, 401, 401, 401, 429]);
    // the guesser is held back, even with the right password: its own failures
    const held = await attempt(PASSWORD, '127.0.0.1');
    expect(held.statusCode).toBe(429);
    expect(errorOf(held)).toMatch(/too many failed sign-ins; try again in \d+ s/);
    expect(Number(held.headers['retry-after'])).toBeGreaterThan(0);
    // the known browser on the same address, and anyone elsewhere, get in at once
    expect((await attempt(PASSWORD, '127.0.0.1', known)).statusCode).toBe(200);
    expect((await attempt(PASSWORD, '10.0.0.2')).statusCode).toBe(200);
  });

  it('a burst of guesses sent at once is held back like guesses sent in turn', async () => {
    const codes = await Promise.all(Array.from({ length: 8 }, (_, i) => attempt(`guess-${i}`, '10.0.0.3')));
    expect(codes.map((r) => r.statusCode).sort()).toEqual([401, 401, 401, 401, 429, 429, 429, 429]);
  });
});
