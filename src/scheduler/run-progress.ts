// The progress of one run as a whole, built from the per-item reports of its tasks.
// Transfers run many files at once, so reports interleave items: each item is
// tracked on its own, and the run's totals (files and bytes done of those seen, rate,
// time left) are sums over them. The CLI's bar and the admin UI's events both read
// this one model.
import type { Progress } from '../plugin.ts';
import { systemClock, type Clock } from './timers.ts';

export interface ItemProgress {
  /** Task type, e.g. `upload`. */
  task: string;
  item: string;
  done: number;
  total: number;
}

export interface RunProgressSnapshot {
  /** Items finished, of those the tasks have reported so far. */
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
  started: number;
  finished: boolean;
}

export class RunProgress {
  private readonly items = new Map<string, Tracked>();
  private first: number | undefined;

  constructor(private readonly clock: Clock = systemClock) {}

  /** Records one report; returns the item when this report finished it (with how long it took). */
  update(task: string, p: Progress): (ItemProgress & { ms: number }) | undefined {
    const now = this.clock.now();
    this.first ??= now;
    const key = `${task}\0${p.item}`;
    let t = this.items.get(key);
    if (!t) {
      t = { task, item: p.item, done: 0, total: 0, started: now, finished: false };
      this.items.set(key, t);
    }
    t.done = p.done;
    t.total = p.total;
    const finishes = !t.finished && p.total > 0 && p.done >= p.total;
    if (finishes) t.finished = true;
    return finishes ? { task, item: t.item, done: t.done, total: t.total, ms: now - t.started } : undefined;
  }

  snapshot(): RunProgressSnapshot {
    let filesDone = 0;
    let bytesDone = 0;
    let bytesTotal = 0;
    const current: ItemProgress[] = [];
    for (const t of this.items.values()) {
      if (t.finished) filesDone++;
      else if (current.length < CURRENT_SHOWN)
        current.push({ task: t.task, item: t.item, done: t.done, total: t.total });
      bytesDone += Math.min(t.done, t.total);
      bytesTotal += t.total;
    }
    const elapsed = this.first === undefined ? 0 : this.clock.now() - this.first;
    const rate = elapsed > 0 ? (bytesDone * 1000) / elapsed : 0;
    const left = bytesTotal - bytesDone;
    return {
      files: { done: filesDone, total: this.items.size },
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
