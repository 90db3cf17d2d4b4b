// Next fire times of a cron expression in a time zone, from the same CronSchedule the
// running timer uses (node-cron's slots plus the spring-forward rule in dst.ts), so
// what `jobs list` shows is what the scheduler will do.
import { CronSchedule } from './dst.ts';

export function nextRuns(expr: string, timezone: string, count = 1): Date[] {
  const schedule = new CronSchedule(expr, timezone);
  try {
    return schedule.nextRuns(count);
  } finally {
    schedule.destroy();
  }
}

/** `2026-11-24 02:00:00 CET` in the given zone. */
export function formatInZone(date: Date, timezone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: timezone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(date);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${get('timeZoneName')}`;
}
