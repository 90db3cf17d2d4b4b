// Next fire times of a cron expression in a time zone, from the same CronSchedule the
// running timer uses (node-cron's slots plus the spring-forward rule in dst.ts), so
// what `jobs list` shows is what the scheduler will do.
import { CronSchedule } from './dst.ts';
import { zonedParts } from '../zoned-time.ts';

export function nextRuns(expr: string, timezone: string, count = 1): Date[] {
  // The running timer's schedule when there is one (no node-cron parsing then).
  const schedule = CronSchedule.acquire(expr, timezone);
  try {
    return schedule.nextRuns(count);
  } finally {
    schedule.release();
  }
}

/** `2026-11-24 02:00:00 CET` in the given zone. */
export function formatInZone(date: Date, timezone: string): string {
  const z = zonedParts(date, timezone);
  const zone = new Intl.DateTimeFormat('en-GB', { timeZone: timezone, timeZoneName: 'short' })
    .formatToParts(date)
    .find((p) => p.type === 'timeZoneName')?.value;
  return `${z.yyyy}-${z.MM}-${z.dd} ${z.HH}:${z.mm}:${z.ss} ${zone ?? ''}`;
}
