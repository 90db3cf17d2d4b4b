// node-cron behind an interface of our own, so the rest of the scheduler does not
// depend on its API and croner could replace it (STACK.md §2).
//
// The rules, as node-cron 4.6 implements them and test/scheduler/dst.test.ts pins down:
// - Expressions have 5 fields, or 6 with seconds first; times are read in the job's
//   IANA time zone.
// - Spring forward: a wall-clock time that does not exist that night (02:30 in
//   Europe/Berlin on 2026-03-29) does not run at all that day; the next run is the
//   next day's. Jobs that must run every day should use a time outside 02:00-03:00,
//   or `timezone: UTC`.
// - Fall back: a wall-clock time that happens twice runs once. Which of the two
//   depends on node-cron's local-to-UTC conversion: in zones east of UTC (Berlin)
//   the second (standard time), in zones west of UTC (New York) the first (daylight
//   time). Interval jobs (`*/15`) therefore pause for the repeated hour.
// - A fire that comes more than MISSED_TOLERANCE_MS late (event loop blocked,
//   laptop asleep) is reported as missed instead of running late. The scheduler
//   logs it and, for `catchUp: true` jobs, runs once for the whole burst unless a
//   slot ran on time right after it (the same rule as after downtime). A timer that
//   never comes (a machine asleep through a long setTimeout) is caught by the
//   scheduler's 30 s watchdog once its slot is 5 minutes overdue.
import cron, { type ScheduledTask } from 'node-cron';

export interface CronHandle {
  /** The next fire time, or null if the expression never fires again. */
  nextRun(): Date | null;
  stop(): void;
}

export interface CronCallbacks {
  /** A slot came due; `scheduledAt` is the slot, not the (slightly later) wake-up. */
  fire(scheduledAt: Date): void;
  /** A slot passed without the process noticing it in time. */
  missed?(scheduledAt: Date): void;
}

/** How late a wake-up may be and still run its slot; node-cron's default is 1 s. */
export const MISSED_TOLERANCE_MS = 30_000;

export function startCron(expr: string, timezone: string, cb: CronCallbacks): CronHandle {
  const task: ScheduledTask = cron.createTask(expr, (ctx) => cb.fire(ctx.date), {
    timezone,
    missedExecutionTolerance: MISSED_TOLERANCE_MS,
    // We log missed slots ourselves, through our logger.
    suppressMissedWarning: true,
  });
  task.on('execution:missed', (ctx) => cb.missed?.(ctx.date));
  void task.start();
  return {
    nextRun: () => task.getNextRun(),
    stop: () => void task.destroy(),
  };
}
