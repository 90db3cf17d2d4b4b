// The DST rules written in src/scheduler/cron.ts, pinned down with fake timers
// over real transition nights.
import { describe, it, expect, afterEach, vi } from 'vitest';
import { startCron } from '../../src/scheduler/cron.ts';
import { formatInZone } from '../../src/scheduler/next-run.ts';
import { FAKE } from './wait.ts';

afterEach(() => vi.useRealTimers());

/** The slots `expr` fires between `from` and `to` (ISO, UTC) in `tz`, driven by fake timers. */
async function fires(expr: string, tz: string, from: string, to: string): Promise<string[]> {
  vi.useFakeTimers({ now: new Date(from), ...FAKE });
  const out: string[] = [];
  const handle = startCron(expr, tz, { fire: (d) => out.push(d.toISOString()), missed: (d) => out.push(`missed ${d.toISOString()}`) });
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

describe('spring forward: a time that does not exist does not run that day', () => {
  it('Europe/Berlin 2026-03-29: 02:30 is skipped, the days around it run', async () => {
    const got = await fires('30 2 * * *', 'Europe/Berlin', '2026-03-27T12:00:00Z', '2026-03-31T00:00:00Z');
    expect(local(got, 'Europe/Berlin')).toEqual(['2026-03-28 02:30:00 CET', '2026-03-30 02:30:00 CEST']);
  });

  it('America/New_York 2026-03-08: 02:30 is skipped', async () => {
    const got = await fires('30 2 * * *', 'America/New_York', '2026-03-07T00:00:00Z', '2026-03-10T00:00:00Z');
    expect(local(got, 'America/New_York')).toEqual(['2026-03-07 02:30:00 GMT-5', '2026-03-09 02:30:00 GMT-4']);
  });

  it('an interval job simply has no slots in the missing hour', async () => {
    const got = await fires('*/30 * * * *', 'Europe/Berlin', '2026-03-29T00:00:00Z', '2026-03-29T01:45:00Z');
    expect(local(got, 'Europe/Berlin')).toEqual(['2026-03-29 01:30:00 CET', '2026-03-29 03:00:00 CEST', '2026-03-29 03:30:00 CEST']);
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
      '2026-10-25 01:30:00 CEST', '2026-10-25 02:00:00 CET', '2026-10-25 02:30:00 CET', '2026-10-25 03:00:00 CET',
    ]);
    expect(new Set(local(got, 'Europe/Berlin').map((s) => s.slice(11, 16))).size).toBe(got.length);
  });
});
