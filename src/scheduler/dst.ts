// The slots of a cron expression in a time zone: node-cron's, plus the spring-forward
// rule node-cron lacks (PAINPOINTS S1). A wall-clock time that a spring-forward jump
// skips (02:30 in Europe/Berlin on 2026-03-29) has no instant, so node-cron never
// fires it; we fire it once at the first valid instant after the jump (the
// transition itself, 03:00 CEST = 01:00Z), as Vixie cron does. All the slots that fall
// in one gap collapse into that one run, so `*/15` does not fire a burst. Both the
// running timer (cron.ts) and the listings (next-run.ts) ask CronSchedule, so
// `jobs list`, /health and the fire-times store agree with what fires.
import { cronBoundsProblem } from './cron-bounds.ts';
import cron, { type ScheduledTask } from 'node-cron';
import { naiveMs } from '../zoned-time.ts';

export interface Slot {
  at: Date;
  /** True for a run node-cron would not make: skipped wall-clock times, fired at the jump. */
  jump: boolean;
}

interface SpringForward {
  /** The first instant in the new offset. */
  at: number;
  /** The skipped wall-clock interval [start, end), as "naive" ms (local fields read as UTC). */
  gapStart: number;
  gapEnd: number;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
/**
 * How far apart the offset samples are. Current zone rules do not change the offset
 * twice within a day, so a change between two samples is one transition (two that
 * cancel out would go unseen); a shorter step would only cost more Intl calls when
 * scanning up to a yearly job's next run.
 */
const SCAN_STEP_MS = DAY_MS;

const noop = () => {};

/** The schedules the running timers hold, by zone and expression, with how many hold each. */
const shared = new Map<string, { schedule: CronSchedule; holders: number }>();

export class CronSchedule {
  /**
   * The schedule of `expr` in `timezone`, shared by every holder until each has called
   * release(): 1,000 jobs on `* * * * *` build one (about a millisecond of node-cron
   * parsing each) and work out its next slot once per slot, not once per job.
   */
  static acquire(expr: string, timezone: string): CronSchedule {
    const key = `${timezone} ${expr}`; // as in get key()
    let entry = shared.get(key);
    if (!entry) {
      entry = { schedule: new CronSchedule(expr, timezone), holders: 0 };
      shared.set(key, entry);
    }
    entry.holders++;
    return entry.schedule;
  }

  /** Gives an acquired schedule back (once per acquire); destroys one made with `new`. */
  release(): void {
    const entry = shared.get(this.key);
    if (entry?.schedule === this) {
      if (--entry.holders > 0) return;
      shared.delete(this.key);
    }
    this.destroy();
  }

  private get key(): string {
    return `${this.timezone} ${this.expr}`;
  }

  /** node-cron in the job's zone, never started: its slots are the ones that exist. */
  private readonly zoned: ScheduledTask;
  /**
   * The same expression read in UTC, where every wall-clock time exists: matching a
   * naive timestamp of a skipped local time asks node-cron's own field matching (day
   * of month, L, W, #, weekday) whether the expression wanted that time.
   */
  private wallClockTask: ScheduledTask | undefined;
  /** slots(1) and when it was asked, while that slot is still ahead (see next()). */
  private nextMemo: { asked: number; slot: Slot | undefined } | undefined;
  private readonly seconds: number[];
  private readonly minutes: number[];
  private readonly hours: number[];

  constructor(
    private readonly expr: string,
    private readonly timezone: string,
  ) {
    // Every caller validated the expression already; this keeps an unchecked one from
    // reaching node-cron's range expansion, which can exhaust memory (cron-bounds.ts).
    const bounds = cronBoundsProblem(expr);
    if (bounds) throw new RangeError(bounds);
    this.zoned = cron.createTask(expr, noop, { timezone });
    const fields = cron.parse(expr);
    const asc = (v: number[]) => [...new Set(v)].sort((a, b) => a - b);
    this.seconds = asc(fields.second);
    this.minutes = asc(fields.minute);
    this.hours = asc(fields.hour);
  }

  /** The next `count` slots after now, jump runs included, in order. */
  slots(count: number): Slot[] {
    if (count <= 0) return [];
    const from = Date.now();
    const runs = this.zoned.getNextRuns(count);
    const out: Slot[] = runs.map((at) => ({ at, jump: false }));
    const until = runs.at(-1)!.getTime();
    const taken = new Set(runs.map((d) => d.getTime()));
    for (const sf of springForwards(this.timezone, from, until)) {
      // A jump instant that is a slot of its own (03:00 for `*/15`) already runs once.
      if (!taken.has(sf.at) && this.wantsAnyOf(sf.gapStart, sf.gapEnd)) out.push({ at: new Date(sf.at), jump: true });
    }
    return out.sort((a, b) => a.at.getTime() - b.at.getTime()).slice(0, count);
  }

  /**
   * slots(1)[0], remembered while the clock stays between the question and that slot:
   * the first slot after any such moment is the same one.
   */
  next(): Slot | undefined {
    const now = Date.now();
    const memo = this.nextMemo;
    if (memo && memo.asked <= now && (!memo.slot || now < memo.slot.at.getTime())) return memo.slot;
    const [slot] = this.slots(1);
    this.nextMemo = { asked: now, slot };
    return slot;
  }

  nextRuns(count: number): Date[] {
    return this.slots(count).map((s) => s.at);
  }

  destroy(): void {
    // createTask registers both tasks in node-cron's global registry; destroy removes them.
    void this.zoned.destroy();
    void this.wallClockTask?.destroy();
  }

  /** Made on first use: only a spring-forward gap inside the asked window needs it. */
  private get wallClock(): ScheduledTask {
    return (this.wallClockTask ??= cron.createTask(this.expr, noop, { timezone: 'UTC' }));
  }

  /** Whether the expression matches a wall-clock second in [gapStart, gapEnd) (naive ms). */
  private wantsAnyOf(gapStart: number, gapEnd: number): boolean {
    for (let day = Math.floor(gapStart / DAY_MS) * DAY_MS; day < gapEnd; day += DAY_MS) {
      const t = this.firstTimeIn(day, Math.max(gapStart, day), Math.min(gapEnd, day + DAY_MS));
      // Its time fields match by construction, so match() decides the day fields, the
      // same for every time of this day: one call per day is enough.
      if (t !== null && this.wallClock.match(new Date(t))) return true;
    }
    return false;
  }

  /** The earliest naive time in [lo, hi) on `day` made of the expression's hour, minute and second values. */
  private firstTimeIn(day: number, lo: number, hi: number): number | null {
    // Walks whole hours and minutes outside the interval, so a 6-field `* * 2 * * *`
    // costs a few dozen steps, not one per second of the gap.
    for (const h of this.hours) {
      const hour = day + h * HOUR_MS;
      if (hour + HOUR_MS <= lo) continue;
      if (hour >= hi) return null;
      for (const m of this.minutes) {
        const minute = hour + m * MINUTE_MS;
        if (minute + MINUTE_MS <= lo) continue;
        if (minute >= hi) break;
        for (const s of this.seconds) {
          const t = minute + s * SECOND_MS;
          if (t < lo) continue;
          if (t >= hi) break;
          return t;
        }
      }
    }
    return null;
  }
}

/** The zone's UTC offset at `t` in ms (local minus UTC), to the second. */
export function offsetAt(timezone: string, t: number): number {
  return naiveMs(t, timezone) - Math.floor(t / SECOND_MS) * SECOND_MS;
}

/**
 * Per zone, the spring-forward transitions of the last scanned window. /health and the
 * fire-times store ask for every job's next run again and again, and time only moves
 * forward, so one scan a year ahead answers the jobs of a zone until it runs out.
 */
const scanned = new Map<string, { from: number; to: number; found: SpringForward[] }>();
const SCAN_AHEAD_MS = 366 * DAY_MS;

/** Offset increases in (from, to]. */
export function springForwards(timezone: string, from: number, to: number): SpringForward[] {
  const hit = scanned.get(timezone) ?? scan(timezone, from, Math.max(to, from + SCAN_AHEAD_MS));
  const covering = hit.from <= from && to <= hit.to ? hit : scan(timezone, from, Math.max(to, from + SCAN_AHEAD_MS));
  return covering.found.filter((sf) => sf.at > from && sf.at <= to);
}

function scan(timezone: string, from: number, to: number): { from: number; to: number; found: SpringForward[] } {
  const found: SpringForward[] = [];
  let t = from;
  let off = offsetAt(timezone, t);
  while (t < to) {
    const u = Math.min(t + SCAN_STEP_MS, to);
    const offU = offsetAt(timezone, u);
    if (offU === off) {
      t = u;
      continue;
    }
    // Bisect to the first millisecond in the new offset; transitions fall on whole
    // seconds, so this lands on one.
    let lo = t;
    let hi = u;
    while (hi - lo > 1) {
      const mid = Math.floor((lo + hi) / 2);
      if (offsetAt(timezone, mid) === off) lo = mid;
      else hi = mid;
    }
    const next = offsetAt(timezone, hi);
    if (next > off) found.push({ at: hi, gapStart: hi + off, gapEnd: hi + next });
    t = hi;
    off = next;
  }
  const window = { from, to, found };
  scanned.set(timezone, window);
  return window;
}
