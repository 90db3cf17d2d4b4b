// The connection's pacer on a fake clock: spacing between call starts, the shared hold
// after a Retry-After, the attack on the spacing and its decay.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Pacer } from '../../plugins/dropbox/api/pacer.ts';

const clock = { now: () => Date.now() };
beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Starts n calls through the pacer at once; resolves to the instant each was let go. */
function startAll(p: Pacer, n: number): Promise<number[]> {
  return Promise.all(Array.from({ length: n }, () => p.ready().then(() => clock.now())));
}

describe('Pacer', () => {
  it('spaces call starts by the minimum sleep', async () => {
    const p = new Pacer({ clock, minSleepMs: 10 });
    const starts = startAll(p, 5);
    await vi.advanceTimersByTimeAsync(1000);
    expect(await starts).toEqual([0, 10, 20, 30, 40]);
  });

  it('by default lets calls go at once until the first throttle, then spaces them and decays back to none', async () => {
    const p = new Pacer({ clock });
    const free = startAll(p, 5);
    await vi.advanceTimersByTimeAsync(0);
    expect(await free).toEqual([0, 0, 0, 0, 0]);
    p.throttled(0);
    expect(p.spacing).toBe(10);
    p.throttled(0, clock.now() + 1);
    expect(p.spacing).toBe(20);
    for (let i = 0; i < 5; i++) p.answered();
    expect(p.spacing).toBeCloseTo(20 * 0.75 ** 5);
    for (let i = 0; i < 30; i++) p.answered();
    expect(p.spacing).toBe(0);
  });

  it('holds every call of the connection until the Retry-After instant, spread by jitter', async () => {
    let r = 0;
    // Distinct draws so the jitter is visible: 0, 0.1, 0.2, ...
    const p = new Pacer({ clock, minSleepMs: 10, holdJitter: 0.1, random: () => (r++ % 10) / 10 });
    await p.ready(); // the call that got the 429
    p.throttled(1000);
    const starts = await Promise.all([startAll(p, 32), vi.advanceTimersByTimeAsync(5000)]).then(([s]) => s);
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(1000);
    // Never two at once: the doubled spacing (20 ms) and the jitter keep them apart.
    const sorted = [...starts].sort((a, b) => a - b);
    sorted.slice(1).forEach((s, i) => expect(s - sorted[i]!).toBeGreaterThanOrEqual(20));
    expect(p.stats().throttled).toBe(1);
  });

  it('holds calls already waiting for their slot when a throttle arrives meanwhile', async () => {
    const p = new Pacer({ clock, minSleepMs: 100, holdJitter: 0 });
    const starts = startAll(p, 3); // slots at 0, 100, 200
    await vi.advanceTimersByTimeAsync(50);
    p.throttled(1000); // at 50: nothing starts before 1050
    await vi.advanceTimersByTimeAsync(5000);
    const s = await starts;
    expect(s[0]).toBe(0);
    expect(s[1]).toBeGreaterThanOrEqual(1050);
    expect(s[2]).toBeGreaterThanOrEqual(1050);
  });

  it('doubles the spacing on each throttle up to the maximum, and decays it on answers', () => {
    const p = new Pacer({ clock, minSleepMs: 10, maxSleepMs: 2000, decay: 2 });
    for (let i = 0; i < 5; i++) p.throttled(0);
    expect(p.spacing).toBe(320);
    for (let i = 0; i < 5; i++) p.throttled(0);
    expect(p.spacing).toBe(2000);
    p.answered();
    expect(p.spacing).toBe(10 + 1990 * 0.75);
    for (let i = 0; i < 30; i++) p.answered();
    expect(p.spacing).toBeLessThan(11);
    expect(p.spacing).toBeGreaterThanOrEqual(10);
    expect(p.stats().throttled).toBe(10);
  });

  it('doubles once for the 429s of calls already in flight, again for a call paced after it', async () => {
    const p = new Pacer({ clock, minSleepMs: 10 });
    const [starts] = await Promise.all([startAll(p, 4), vi.advanceTimersByTimeAsync(100)]);
    for (const s of starts) p.throttled(1000, s);
    expect(p.spacing).toBe(20);
    expect(p.stats().throttled).toBe(4);
    const [later] = await Promise.all([p.ready(), vi.advanceTimersByTimeAsync(3000)]);
    p.throttled(1000, later);
    expect(p.spacing).toBe(40);
  });

  it('lets a held call go up to holdJitter of the hold after the Retry-After instant, never before', async () => {
    const draws = [0.5, 0];
    const p = new Pacer({ clock, minSleepMs: 10, holdJitter: 0.1, random: () => draws.shift() ?? 0 });
    p.throttled(1000);
    const [starts] = await Promise.all([startAll(p, 2), vi.advanceTimersByTimeAsync(2000)]);
    expect(starts[0]).toBe(1050); // 1000 + 0.1 * 0.5 * 1000
    expect(starts[1]).toBe(1070); // its own draw says 1000, but the spacing (20 ms after a throttle) comes first
  });

  it('a later, shorter Retry-After does not cut an earlier hold short', async () => {
    const p = new Pacer({ clock, minSleepMs: 10, holdJitter: 0 });
    p.throttled(1000);
    p.throttled(100);
    const starts = startAll(p, 1);
    await vi.advanceTimersByTimeAsync(2000);
    expect((await starts)[0]).toBe(1000);
  });

  it('stops waiting when the call is aborted', async () => {
    const p = new Pacer({ clock });
    p.throttled(10_000);
    const ac = new AbortController();
    const waiting = p.ready(ac.signal);
    ac.abort(new Error('stopped'));
    await expect(waiting).rejects.toThrow('stopped');
  });
});
