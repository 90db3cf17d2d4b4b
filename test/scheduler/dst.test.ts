// The DST rules written in src/scheduler/cron.ts, pinned down with fake timers
// over real transition nights.
import { describe, it, expect, afterEach, vi } from 'vitest';
import { JUMP_POLL_MS, startCron } from '../../src/scheduler/cron.ts';
import { formatInZone, nextRuns } from '../../src/scheduler/next-run.ts';
import { FAKE } from '../helpers/wait.ts';

afterEach(() => vi.useRealTimers());

/** The slots `expr` fires between `from` and `to` (ISO, UTC) in `tz`, driven by fake timers. */
async function fires(expr: string, tz: string, from: string, to: string): Promise<string[]> {
  vi.useFakeTimers({ now: new Date(from), ...FAKE });
  const out: string[] = [];
  const handle = startCron(expr, tz, {
    fire: (d) => out.push(d.toISOString()),
    missed: (d) => out.push(`missed ${d.toISOString()}`),
  });
  try {
    await vi.advanceTimersByTimeAsync(Date.parse(to) - Date.parse(from));
  } finally {
    handle.stop();
  }
  return out;
}

// en-GB names Berlin's offsets CET/CEST and New York's GMT-5/GMT-4.
const local = (iso: string[], tz: string) => iso.map((d) => formatInZone(new Date(d), tz));

describe('cron in a time zone', () => {
  it('fires a daily job at the local time of its zone', async () => {
    const got = await fires('0 9 * * *', 'Asia/Tokyo', '2026-06-01T12:00:00Z', '2026-06-03T12:00:00Z');
    expect(got).toEqual(['2026-06-02T00:00:00.000Z', '2026-06-03T00:00:00.000Z']);
  });

  it('supports a seconds field', async () => {
    const got = await fires('*/20 * * * * *', 'UTC', '2026-06-01T12:00:00Z', '2026-06-01T12:01:00Z');
    expect(got).toEqual(['2026-06-01T12:00:20.000Z', '2026-06-01T12:00:40.000Z', '2026-06-01T12:01:00.000Z']);
  });
});

describe('spring forward: a skipped time runs once, at the jump', () => {
  // Europe/Berlin 2026-03-29: 02:00 CET becomes 03:00 CEST at 01:00Z.
  // America/New_York 2026-03-08: 02:00 EST becomes 03:00 EDT at 07:00Z.
  it('Europe/Berlin 2026-03-29: 02:30 runs at 03:00 CEST, the transition instant, and the next day at 02:30 again', async () => {
    const got = await fires('30 2 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', '2026-03-31T00:00:00Z');
    expect(got).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    expect(local(got, 'Europe/Berlin')).toEqual([
      '2026-03-28 02:30:00 CET',
      '2026-03-29 03:00:00 CEST',
      '2026-03-30 02:30:00 CEST',
    ]);
  });

  it('America/New_York 2026-03-08: 02:30 runs at 03:00 EDT (07:00Z)', async () => {
    const got = await fires('30 2 * * *', 'America/New_York', '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z');
    expect(got).toEqual(['2026-03-07T07:30:00.000Z', '2026-03-08T07:00:00.000Z', '2026-03-09T06:30:00.000Z']);
    expect(local(got, 'America/New_York')).toEqual([
      '2026-03-07 02:30:00 GMT-5',
      '2026-03-08 03:00:00 GMT-4',
      '2026-03-09 02:30:00 GMT-4',
    ]);
  });

  it('a seconds field is read the same way: 02:59:15 runs at the jump', async () => {
    const got = await fires('15 59 2 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', '2026-03-30T12:00:00Z');
    expect(got).toEqual(['2026-03-29T01:00:00.000Z', '2026-03-30T00:59:15.000Z']);
  });

  it('*/15 fires once at the jump, not once per skipped slot', async () => {
    // 02:00-02:45 are skipped; 03:00 is a slot of its own and runs once.
    const got = await fires('*/15 * * * *', 'Europe/Berlin', '2026-03-29T00:20:00Z', '2026-03-29T01:20:00Z');
    expect(local(got, 'Europe/Berlin')).toEqual([
      '2026-03-29 01:30:00 CET',
      '2026-03-29 01:45:00 CET',
      '2026-03-29 03:00:00 CEST',
      '2026-03-29 03:15:00 CEST',
    ]);
    // The listing shows 03:00 once too.
    vi.useFakeTimers({ now: new Date('2026-03-29T00:50:00Z'), ...FAKE });
    expect(nextRuns('*/15 * * * *', 'Europe/Berlin', 3).map((d) => d.toISOString())).toEqual([
      '2026-03-29T01:00:00.000Z',
      '2026-03-29T01:15:00.000Z',
      '2026-03-29T01:30:00.000Z',
    ]);
  });

  it('an interval that misses the jump instant still fires once for the whole gap', async () => {
    // 02:05, 02:20, 02:35 and 02:50 are skipped: one run at 03:00, then 03:05 as usual.
    const got = await fires('5-59/15 * * * *', 'Europe/Berlin', '2026-03-29T00:30:00Z', '2026-03-29T01:25:00Z');
    expect(local(got, 'Europe/Berlin')).toEqual([
      '2026-03-29 01:35:00 CET',
      '2026-03-29 01:50:00 CET',
      '2026-03-29 03:00:00 CEST',
      '2026-03-29 03:05:00 CEST',
      '2026-03-29 03:20:00 CEST',
    ]);
  });

  it('times outside the gap are unaffected', async () => {
    const got = await fires('30 1,3 * * *', 'Europe/Berlin', '2026-03-28T12:00:00Z', '2026-03-30T12:00:00Z');
    expect(local(got, 'Europe/Berlin')).toEqual([
      '2026-03-29 01:30:00 CET',
      '2026-03-29 03:30:00 CEST',
      '2026-03-30 01:30:00 CEST',
      '2026-03-30 03:30:00 CEST',
    ]);
  });

  it('the day fields still apply: no jump run on a day the expression does not want', async () => {
    // 2026-03-29 is a Sunday.
    expect(await fires('30 2 * * 1', 'Europe/Berlin', '2026-03-28T12:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-03-30T00:30:00.000Z',
    ]);
    expect(await fires('30 2 * * 0', 'Europe/Berlin', '2026-03-28T12:00:00Z', '2026-03-31T00:00:00Z')).toEqual([
      '2026-03-29T01:00:00.000Z',
    ]);
  });

  it('nextRun() and nextRuns() report the jump instant, before and at each fire', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-28T00:00:00Z'), ...FAKE });
    const expr = '30 2 * * *';
    expect(nextRuns(expr, 'Europe/Berlin', 3).map((d) => d.toISOString())).toEqual([
      '2026-03-28T01:30:00.000Z',
      '2026-03-29T01:00:00.000Z',
      '2026-03-30T00:30:00.000Z',
    ]);
    // What the scheduler saves as nextScheduledAt when a slot fires.
    const seen: string[] = [];
    const handle = startCron(expr, 'Europe/Berlin', {
      fire: (d) => seen.push(`${d.toISOString()} -> ${handle.nextRun()?.toISOString()}`),
    });
    try {
      await vi.advanceTimersByTimeAsync(Date.parse('2026-03-28T12:00:00Z') - Date.now());
      expect(handle.nextRun()?.toISOString()).toBe('2026-03-29T01:00:00.000Z');
      expect(nextRuns(expr, 'Europe/Berlin', 1)[0]?.toISOString()).toBe('2026-03-29T01:00:00.000Z');
      await vi.advanceTimersByTimeAsync(Date.parse('2026-03-30T12:00:00Z') - Date.now());
    } finally {
      handle.stop();
    }
    expect(seen).toEqual([
      '2026-03-28T01:30:00.000Z -> 2026-03-29T01:00:00.000Z',
      '2026-03-29T01:00:00.000Z -> 2026-03-30T00:30:00.000Z',
      '2026-03-30T00:30:00.000Z -> 2026-03-31T00:30:00.000Z',
    ]);
  });

  it('a jump passed while the machine slept is reported missed within one poll step', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-29T00:50:00Z'), ...FAKE });
    const out: string[] = [];
    const handle = startCron('30 2 * * *', 'Europe/Berlin', {
      fire: (d) => out.push(d.toISOString()),
      missed: (d) => out.push(`missed ${d.toISOString()}`),
    });
    try {
      // The wall clock moves an hour while the timers stand still (suspend).
      vi.setSystemTime(new Date('2026-03-29T01:50:00Z'));
      await vi.advanceTimersByTimeAsync(JUMP_POLL_MS);
    } finally {
      handle.stop();
    }
    expect(out).toEqual(['missed 2026-03-29T01:00:00.000Z']);
  });
});

describe('fall back: a time that happens twice runs once', () => {
  it('Europe/Berlin 2026-10-25: 02:30 runs once, in its second occurrence (CET)', async () => {
    const got = await fires('30 2 * * *', 'Europe/Berlin', '2026-10-24T12:00:00Z', '2026-10-26T12:00:00Z');
    expect(got).toEqual(['2026-10-25T01:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    expect(local(got, 'Europe/Berlin')[0]).toBe('2026-10-25 02:30:00 CET');
  });

  it('America/New_York 2026-11-01: 01:30 runs once, in its first occurrence (EDT)', async () => {
    const got = await fires('30 1 * * *', 'America/New_York', '2026-10-31T12:00:00Z', '2026-11-02T12:00:00Z');
    expect(local(got, 'America/New_York')).toEqual(['2026-11-01 01:30:00 GMT-4', '2026-11-02 01:30:00 GMT-5']);
  });

  it('an interval job runs each wall-clock time once, pausing for the repeated hour', async () => {
    const got = await fires('*/30 * * * *', 'Europe/Berlin', '2026-10-24T23:00:00Z', '2026-10-25T02:15:00Z');
    expect(local(got, 'Europe/Berlin')).toEqual([
      '2026-10-25 01:30:00 CEST',
      '2026-10-25 02:00:00 CET',
      '2026-10-25 02:30:00 CET',
      '2026-10-25 03:00:00 CET',
    ]);
    expect(new Set(local(got, 'Europe/Berlin').map((s) => s.slice(11, 16))).size).toBe(got.length);
  });
});
