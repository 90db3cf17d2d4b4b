// When a file in a watched folder counts as arrived: once its size and modification time
// have stayed the same for `stableForMs`, as seen by two looks at least that far apart.
// A file still being written changes one or the other between looks, so it is never
// taken half-written. Pure: the caller says what it saw and when, so tests need no clock.

export interface FileState {
  size: number;
  mtimeMs: number;
}

interface Entry extends FileState {
  /** When this state was first seen. */
  since: number;
  /** The latest look that found the same state. */
  checked: number;
  reported: boolean;
}

export class StabilityTracker {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly stableForMs: number) {}

  /** A look at `rel` at time `now`: a changed file starts its wait again, and is reported again once stable. */
  observe(rel: string, state: FileState, now: number): void {
    const e = this.entries.get(rel);
    if (e && e.size === state.size && e.mtimeMs === state.mtimeMs) e.checked = Math.max(e.checked, now);
    else this.entries.set(rel, { size: state.size, mtimeMs: state.mtimeMs, since: now, checked: now, reported: false });
  }

  /** `rel` is no longer there. */
  gone(rel: string): void {
    this.entries.delete(rel);
  }

  /** After a look at the whole folder: forgets every file it did not find. */
  keepOnly(present: ReadonlySet<string>): void {
    for (const rel of this.entries.keys()) if (!present.has(rel)) this.entries.delete(rel);
  }

  /** Files not reported yet whose wait is over at `now`: they need a look to be confirmed. */
  due(now: number): string[] {
    const out: string[] = [];
    for (const [rel, e] of this.entries)
      if (!e.reported && e.checked < e.since + this.stableForMs && now >= e.since + this.stableForMs) out.push(rel);
    return out;
  }

  /** The earliest time a file not reported yet needs its confirming look; undefined when none waits. */
  nextDue(): number | undefined {
    let next: number | undefined;
    for (const e of this.entries.values()) {
      if (e.reported) continue;
      const at = e.since + this.stableForMs;
      if (next === undefined || at < next) next = at;
    }
    return next;
  }

  /** Files confirmed stable and not reported yet; from now on they count as reported. */
  takeStable(): Array<[rel: string, state: FileState]> {
    const out: Array<[string, FileState]> = [];
    for (const [rel, e] of this.entries) {
      if (e.reported || e.checked - e.since < this.stableForMs) continue;
      e.reported = true;
      out.push([rel, { size: e.size, mtimeMs: e.mtimeMs }]);
    }
    return out;
  }
}
