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
// - Jobs with the same expression and zone share one timer (SharedTimer below); each
//   still gets its own fire and missed calls.
import cron, { type ScheduledTask } from 'node-cron';
import { CronSchedule } from './dst.ts';

export interface CronHandle {
  /** The next fire time, or null if the expression never fires again. */
  nextRun(): Date | null;
  /** Replaces the timer behind this handle, and behind every other handle that shares it. */
  rearm(): void;
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
  const key = `${timezone} ${expr}`;
  let timer = timers.get(key);
  if (!timer) {
    timer = new SharedTimer(expr, timezone, () => timers.delete(key));
    timers.set(key, timer);
  }
  const shared = timer;
  shared.add(cb);
  let stopped = false;
  return {
    nextRun: () => (stopped ? null : (shared.schedule.next()?.at ?? null)),
    rearm: () => {
      if (!stopped) shared.rearm();
    },
    stop: () => {
      // Twice would take a second holder off the shared timer.
      if (stopped) return;
      stopped = true;
      shared.remove(cb);
    },
  };
}

/** The running timers, by zone and expression. */
const timers = new Map<string, SharedTimer>();

/**
 * One node-cron task and one jump timer for every holder of the same expression and
 * zone: 1,000 jobs on `* * * * *` cost one timer instead of 1,000 (each about 0.3 ms
 * to create and a few KB of heap), and one wake-up per slot that calls each holder.
 */
class SharedTimer {
  readonly schedule: CronSchedule;
  private readonly holders = new Set<CronCallbacks>();
  private task: ScheduledTask | undefined;
  private jumpTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly expr: string,
    private readonly timezone: string,
    private readonly onEmpty: () => void,
  ) {
    this.schedule = CronSchedule.acquire(expr, timezone);
    this.arm();
  }

  add(cb: CronCallbacks): void {
    this.holders.add(cb);
  }

  remove(cb: CronCallbacks): void {
    if (!this.holders.delete(cb) || this.holders.size) return;
    this.disarm();
    this.schedule.release();
    this.onEmpty();
  }

  /** A fresh node-cron task for every holder (the watchdog's cure for a timer that never came). */
  rearm(): void {
    this.disarm();
    this.arm();
  }

  private arm(): void {
    const task = cron.createTask(this.expr, (ctx) => this.each((cb) => cb.fire(new Date(ctx.date))), {
      timezone: this.timezone,
      missedExecutionTolerance: MISSED_TOLERANCE_MS,
      // We log missed slots ourselves, through our logger.
      suppressMissedWarning: true,
    });
    task.on('execution:missed', (ctx) => this.each((cb) => cb.missed?.(new Date(ctx.date))));
    void task.start();
    this.task = task;
    this.armJump();
  }

  private disarm(): void {
    clearTimeout(this.jumpTimer);
    this.jumpTimer = undefined;
    void this.task?.destroy();
    this.task = undefined;
  }

  /**
   * Calls every holder, each on its own: one that throws (node-cron logs it, as it did
   * with a task per job) does not keep the others from their slot. A holder stopped
   * by an earlier one's callback is not called. Then re-arms the jump timer.
   */
  private each(call: (cb: CronCallbacks) => void): void {
    let failure: { err: unknown } | undefined;
    for (const cb of [...this.holders]) {
      if (!this.holders.has(cb)) continue;
      try {
        call(cb);
      } catch (err) {
        failure ??= { err };
      }
    }
    this.armJump();
    if (failure) throw failure.err;
  }

  // After every fire, and at start: if the next slot is a jump run, wait for it.
  // node-cron's own timer keeps waiting for its next slot, which comes after it.
  private armJump(): void {
    clearTimeout(this.jumpTimer);
    this.jumpTimer = undefined;
    if (!this.task) return;
    const next = this.schedule.next();
    if (next?.jump) this.waitForJump(next.at);
  }

  private waitForJump(at: Date): void {
    if (!this.task) return;
    const delay = at.getTime() - Date.now();
    if (delay > 0) {
      this.jumpTimer = setTimeout(() => this.waitForJump(at), Math.min(delay, JUMP_POLL_MS));
      return;
    }
    this.each((cb) => (-delay > MISSED_TOLERANCE_MS ? cb.missed?.(new Date(at)) : cb.fire(new Date(at))));
  }
}
