// The product's one sleep: waits on an injected clock in timers of at most 30 s, ends early on abort.
import { describe, it, expect, afterEach, vi } from 'vitest';
import { MAX_TIMER_MS, sleep, type Clock } from '../../src/scheduler/timers.ts';

afterEach(() => {
  vi.useRealTimers();
});

const settled = (p: Promise<void>) => {
  const state = { done: false, error: undefined as unknown };
  p.then(
    () => (state.done = true),
    (err: unknown) => (state.error = err),
  );
  return state;
};

describe('sleep', () => {
  it('resolves after ms, across several capped timers', async () => {
    vi.useFakeTimers({ now: 0 });
    const s = settled(sleep(MAX_TIMER_MS + 15_000));
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS + 14_999);
    expect(s.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.done).toBe(true);
  });

  it('reads the injected clock: a clock that jumps ahead ends it at the next timer', async () => {
    vi.useFakeTimers({ now: 0 });
    let now = 0;
    const clock: Clock = { now: () => now };
    const s = settled(sleep(3_600_000, { clock }));
    now = 3_600_000; // the machine slept for an hour
    await vi.advanceTimersByTimeAsync(MAX_TIMER_MS - 1);
    expect(s.done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(s.done).toBe(true);
  });

  it('rejects with the reason when the signal aborts, before or during the wait', async () => {
    vi.useFakeTimers({ now: 0 });
    const reason = new Error('stop');
    await expect(sleep(1_000, { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const ac = new AbortController();
    const s = settled(sleep(60_000, { signal: ac.signal }));
    await vi.advanceTimersByTimeAsync(10_000);
    ac.abort(reason);
    await vi.advanceTimersByTimeAsync(0);
    expect(s).toEqual({ done: false, error: reason });
    expect(vi.getTimerCount()).toBe(0);
  });
});
