// The progress of one run as a whole, built from the per-item reports of its tasks.
// Transfers run many files at once, so reports interleave items: each item is
// tracked on its own, and the run's totals (files and bytes done, rate, time left) are
// sums over them. A task that announced its plan (TaskContext.planned) counts with its
// planned totals, so they do not grow as files start; one that did not counts the
// items seen so far. The CLI's bar and the admin UI's events both read this one model.
import type { PlannedWork, Progress } from '../plugin.ts';
import { systemClock, type Clock } from './timers.ts';

export interface ItemProgress {
  /** Task type, e.g. `upload`. */
  task: string;
  item: string;
  done: number;
  total: number;
}

export interface RunProgressSnapshot {
  /** Items finished, of those the tasks planned (or, before a plan, reported so far). */
  files: { done: number; total: number };
  bytes: { done: number; total: number };
  /** Bytes a second since the first report. */
  rate: number;
  /** At the current rate; null before there is a rate. */
  etaSeconds: number | null;
  /** Items in flight, oldest first, at most CURRENT_SHOWN. */
  current: ItemProgress[];
}

/** How many in-flight items a snapshot names; the rest are only counted. */
export const CURRENT_SHOWN = 5;

interface Tracked extends ItemProgress {
  /** The task run it belongs to (see `update`). */
  part: string;
  started: number;
  finished: boolean;
}

export class RunProgress {
  private readonly items = new Map<string, Tracked>();
  private readonly plans = new Map<string, PlannedWork>();
  private first: number | undefined;

  constructor(private readonly clock: Clock = systemClock) {}

  /**
   * Records one report; returns the item when this report finished it (with how long it
   * took). `part` names the task run it belongs to (the runner passes the task's place
   * in the job, so two tasks of one type keep their own plans); the task type by default.
   */
  update(task: string, p: Progress, part: string = task): (ItemProgress & { ms: number }) | undefined {
    const now = this.clock.now();
    this.first ??= now;
    const key = `${part}\0${p.item}`;
    let t = this.items.get(key);
    if (!t) {
      t = { task, part, item: p.item, done: 0, total: 0, started: now, finished: false };
      this.items.set(key, t);
    }
    t.done = p.done;
    t.total = p.total;
    // An empty file's one report (0 of 0) finishes it: else a run with one never reaches its planned file count.
    const finishes = !t.finished && p.done >= p.total;
    if (finishes) t.finished = true;
    return finishes ? { task, item: t.item, done: t.done, total: t.total, ms: now - t.started } : undefined;
  }

  /** What a task run plans to move; a later call replaces it (the task corrected it). */
  plan(part: string, planned: PlannedWork): void {
    this.plans.set(part, { files: Math.max(0, planned.files), bytes: Math.max(0, planned.bytes) });
  }

  snapshot(): RunProgressSnapshot {
    let filesDone = 0;
    let bytesDone = 0;
    const seen = new Map<string, PlannedWork>();
    const current: ItemProgress[] = [];
    for (const t of this.items.values()) {
      if (t.finished) filesDone++;
      else if (current.length < CURRENT_SHOWN)
        current.push({ task: t.task, item: t.item, done: t.done, total: t.total });
      bytesDone += Math.min(t.done, t.total);
      const s = seen.get(t.part) ?? { files: 0, bytes: 0 };
      seen.set(t.part, { files: s.files + 1, bytes: s.bytes + t.total });
    }
    // A plan is the total; what was seen only when the plan fell short of it (a file
    // grew), so done never passes total.
    let filesTotal = 0;
    let bytesTotal = 0;
    for (const part of new Set([...seen.keys(), ...this.plans.keys()])) {
      const s = seen.get(part) ?? { files: 0, bytes: 0 };
      const p = this.plans.get(part) ?? s;
      filesTotal += Math.max(p.files, s.files);
      bytesTotal += Math.max(p.bytes, s.bytes);
    }
    const elapsed = this.first === undefined ? 0 : this.clock.now() - this.first;
    const rate = elapsed > 0 ? (bytesDone * 1000) / elapsed : 0;
    const left = bytesTotal - bytesDone;
    return {
      files: { done: filesDone, total: filesTotal },
      bytes: { done: bytesDone, total: bytesTotal },
      rate,
      etaSeconds: rate > 0 ? left / rate : null,
      current,
    };
  }

  /** Whether every item seen so far has finished. */
  allDone(): boolean {
    for (const t of this.items.values()) if (!t.finished) return false;
    return true;
  }
}
