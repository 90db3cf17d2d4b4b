// Jobs on one expression and zone share one timer (src/scheduler/cron.ts): each holder
// still gets every slot, a holder that stops or throws does not affect the others, and
// re-arming replaces the timer for all of them.
import { describe, it, expect, afterEach, vi } from 'vitest';
import { startCron, type CronHandle } from '../../src/scheduler/cron.ts';
import { FAKE } from '../helpers/wait.ts';

afterEach(() => vi.useRealTimers());

const MINUTE = 60_000;

function holder(name: string, log: string[], opts: { throws?: boolean } = {}): CronHandle {
  return startCron('* * * * *', 'UTC', {
    fire: (d) => {
      log.push(`${name} ${d.toISOString()}`);
      if (opts.throws) throw new Error(`${name} failed`);
    },
  });
}

describe('a timer shared by the jobs of one schedule', () => {
  it('calls every holder at every slot; a stopped one no longer, the others still', async () => {
    vi.useFakeTimers({ now: new Date('2026-06-01T12:00:30Z'), ...FAKE });
    const log: string[] = [];
    const a = holder('a', log);
    const b = holder('b', log);
    await vi.advanceTimersByTimeAsync(MINUTE);
    a.stop();
    a.stop(); // a second stop must not take b off the timer
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(a.nextRun()).toBeNull();
    expect(b.nextRun()?.toISOString()).toBe('2026-06-01T12:03:00.000Z');
    b.stop();
    await vi.advanceTimersByTimeAsync(MINUTE);
    expect(log).toEqual(['a 2026-06-01T12:01:00.000Z', 'b 2026-06-01T12:01:00.000Z', 'b 2026-06-01T12:02:00.000Z']);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('a holder that throws does not keep the next one from its slot', async () => {
    vi.useFakeTimers({ now: new Date('2026-06-01T12:00:30Z'), ...FAKE });
    // node-cron logs the failure, as it did with a timer per job.
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const log: string[] = [];
    const handles = [holder('a', log, { throws: true }), holder('b', log)];
    try {
      await vi.advanceTimersByTimeAsync(MINUTE);
    } finally {
      for (const h of handles) h.stop();
      logged.mockRestore();
    }
    expect(log).toEqual(['a 2026-06-01T12:01:00.000Z', 'b 2026-06-01T12:01:00.000Z']);
  });

  it('re-arming replaces the one timer: every holder fires once per slot afterwards', async () => {
    vi.useFakeTimers({ now: new Date('2026-06-01T12:00:30Z'), ...FAKE });
    const log: string[] = [];
    const a = holder('a', log);
    const b = holder('b', log);
    a.rearm();
    b.rearm();
    await vi.advanceTimersByTimeAsync(MINUTE);
    a.stop();
    b.stop();
    expect(log).toEqual(['a 2026-06-01T12:01:00.000Z', 'b 2026-06-01T12:01:00.000Z']);
    expect(vi.getTimerCount()).toBe(0);
  });
});
