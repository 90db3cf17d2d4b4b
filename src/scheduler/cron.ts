// node-cron behind an interface of our own, so the rest of the scheduler does not
// depend on its API and croner could replace it (STACK.md §2).
//
// The rules, as node-cron 4.6 and our spring-forward rule implement them and
// test/scheduler/dst.test.ts pins down:
// - Expressions have 5 fields, or 6 with seconds first; times are read in the job's
//   IANA time zone.
// - Spring forward: a slot whose wall-clock time a jump skips (02:30 in Europe/Berlin
//   on 2026-03-29) runs once at the first valid instant after the jump: the
//   transition itself, 03:00 CEST = 01:00Z (Vixie cron's rule, PAINPOINTS S1), so a
//   daily backup still runs every day. All the skipped slots of one jump collapse
//   into that one run (`*/15` fires once, not four times), and none is added when
//   the jump instant is a slot anyway (03:00 for `*/15`). node-cron has no such rule
//   (it never fires a time that does not exist); CronSchedule in dst.ts adds it and
//   the one-shot timer below fires it. nextRun() and next-run.ts's nextRuns() both
//   come from CronSchedule, so `jobs list`, /health and the fire-times store show it.
// - Fall back: a wall-clock time that happens twice runs once. Which of the two
//   depends on node-cron's local-to-UTC conversion: in zones east of UTC (Berlin)
//   the second (standard time), in zones west of UTC (New York) the first (daylight
//   time). Interval jobs (`*/15`) therefore pause for the repeated hour.
// - A fire that comes more than MISSED_TOLERANCE_MS late (event loop blocked,
//   laptop asleep) is reported as missed instead of running late. The scheduler
//   logs it and, for `catchUp: true` jobs, runs once for the whole burst unless a
//   slot ran on time right after it (the same rule as after downtime). The jump run
//   follows the same tolerance. A timer that never comes (a machine asleep through a
//   long setTimeout) is caught by the scheduler's 30 s watchdog once its slot is 5
//   minutes overdue.
import cron, { type ScheduledTask } from 'node-cron';
import { CronSchedule } from './dst.ts';

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

/**
 * The longest single wait of the jump timer. It re-reads the clock at least this often,
 * so after a suspend or a clock step it notices a passed jump within one step, instead
 * of a long setTimeout coming hours late (or, past 2^31 ms, at once).
 */
export const JUMP_POLL_MS = 30_000;

export function startCron(expr: string, timezone: string, cb: CronCallbacks): CronHandle {
  const schedule = CronSchedule.acquire(expr, timezone);
  let jumpTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  // After every fire, and at start: if the next slot is a jump run, wait for it.
  // node-cron's own timer keeps waiting for its next slot, which comes after it.
  const armJump = () => {
    clearTimeout(jumpTimer);
    jumpTimer = undefined;
    if (stopped) return;
    const next = schedule.next();
    if (next?.jump) waitForJump(next.at);
  };
  const waitForJump = (at: Date) => {
    if (stopped) return;
    const delay = at.getTime() - Date.now();
    if (delay > 0) {
      jumpTimer = setTimeout(() => waitForJump(at), Math.min(delay, JUMP_POLL_MS));
      return;
    }
    try {
      if (-delay > MISSED_TOLERANCE_MS) cb.missed?.(at);
      else cb.fire(at);
    } finally {
      armJump();
    }
  };

  const task: ScheduledTask = cron.createTask(
    expr,
    (ctx) => {
      try {
        cb.fire(ctx.date);
      } finally {
        armJump();
      }
    },
    {
      timezone,
      missedExecutionTolerance: MISSED_TOLERANCE_MS,
      // We log missed slots ourselves, through our logger.
      suppressMissedWarning: true,
    },
  );
  task.on('execution:missed', (ctx) => {
    cb.missed?.(ctx.date);
    armJump();
  });
  void task.start();
  armJump();
  return {
    nextRun: () => (stopped ? null : (schedule.next()?.at ?? null)),
    stop: () => {
      // Twice would give the shared schedule back twice.
      if (stopped) return;
      stopped = true;
      clearTimeout(jumpTimer);
      void task.destroy();
      schedule.release();
    },
  };
}
