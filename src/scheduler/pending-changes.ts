// What a job's trigger reported and no finished run has taken yet, kept in the store so
// no change is lost between a watcher moving its position past it and a run processing
// it: not to a stop within the debounce, a reload, a run that never started, or one
// aborted or killed on the way. At-least-once: a change leaves this record only once a
// run that took it has ended (success, failed or timeout: it had its chance, and its
// retries get the same items); after a crash it is handed to a run again, and the tasks'
// overwrite policies make that replay harmless.
//
// Why here and not "the watcher saves its position only when the run is done": runs
// fold, queue, wait for the lease and fail to start in many ways, and a watcher
// would have to follow each of them to know which position is safe; with this record a
// watcher saves its position as soon as kept() resolves, and the scheduler has one rule
// (take at the start of a change run, acknowledge at its end). One record per job, in
// the shared store and written under the store's lock, so in a cluster whichever daemon
// wins the job's lease runs what any daemon's watcher saw.
//
// The record belongs to the trigger that reported it (its type and options): items a
// folder's watcher reported are not a run's input once the job watches another folder
// (changed on a reload, or in the config while the daemon was down). A removed job's
// record goes with it; a disabled job's stays, for a run once it is enabled again (its
// watcher's position is already past those changes).
import type { JobDefinition, TriggerDefinition } from '../config/types.ts';
import type { PluginStore, TaskOutput } from '../plugin.ts';

/** The store's area; one key per job (a job's name is a valid key). */
const AREA = 'trigger-pending';
/** The record's read-modify-write is a few milliseconds; the lock's expiry is a safety net. */
const LOCK_MS = 30_000;
/**
 * Past this many, kept() holds the watcher until a run has taken some: its position stays
 * put (the service keeps the changes), so the record stays bounded whatever arrives.
 */
export const PENDING_MAX = 10_000;

/** The job as far as its pending changes go: its name, and the trigger they belong to. */
export type PendingJob = Pick<JobDefinition, 'name' | 'trigger'>;

interface Record {
  /** triggerIdentity() of the trigger that reported them. */
  trigger: string;
  /** The first report's fields other than its items (the kind, a plugin's root). */
  base: Omit<TaskOutput, 'items'>;
  /** The next item's sequence number: a run takes what is numbered below it. */
  next: number;
  /** [key, seq, item]; a later report of the same key replaces the earlier, with a new seq. */
  entries: Array<[string, number, unknown]>;
}

/** What a change run took: its first task's input, and what to acknowledge when it ends. */
export interface Taken {
  input: TaskOutput;
  upTo: number;
}

/**
 * What makes a trigger another one: its type and options, keys in any order (a debounce
 * changes when a run starts, not what it is given).
 */
export function triggerIdentity(t: TriggerDefinition | undefined): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.entries(v)
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([k, x]) => [k, sorted(x)]),
          )
        : v;
  return t ? JSON.stringify([t.type, sorted(t.options)]) : '';
}

export class PendingChanges {
  constructor(private readonly store: PluginStore) {}

  /** Adds a report's items (keyed by `itemKey`, so a file changed twice is there once); returns how many are pending. */
  record(job: PendingJob, output: TaskOutput, itemKey?: (item: unknown) => string): Promise<number> {
    const trigger = triggerIdentity(job.trigger);
    return this.update(job.name, (rec) => {
      const { items, ...base } = output;
      // Another trigger's items are dropped; the numbering goes on, so a run that took them
      // acknowledges nothing of the new ones.
      const r = rec?.trigger === trigger ? rec : { trigger, base, next: rec?.next ?? 0, entries: [] };
      const byKey = new Map(r.entries.map((e) => [e[0], e]));
      for (const item of items) {
        const seq = r.next++;
        const key = itemKey?.(item) ?? `#${seq}`;
        byKey.delete(key);
        byKey.set(key, [key, seq, item]);
      }
      r.entries = [...byKey.values()];
      return r;
    });
  }

  /** Everything pending, for a change run about to start; undefined when nothing is. */
  async take(job: PendingJob): Promise<Taken | undefined> {
    const r = await this.current(job);
    if (!r?.entries.length) return undefined;
    return { input: { ...r.base, items: r.entries.map((e) => e[2]) }, upTo: r.next };
  }

  /** A run that took `taken` has ended: its items leave (newer reports of the same files stay). */
  async ack(job: PendingJob, taken: Taken): Promise<void> {
    await this.update(job.name, (rec) => {
      if (rec) rec.entries = rec.entries.filter((e) => e[1] >= taken.upTo);
      return rec;
    });
  }

  async count(job: PendingJob): Promise<number> {
    return (await this.current(job))?.entries.length ?? 0;
  }

  /** The job is gone from the config: what its trigger reported goes too. */
  async forget(job: string): Promise<void> {
    await this.update(job, () => undefined);
  }

  /**
   * At start: forgets the records of jobs no longer configured, and those of another
   * trigger than the job's now (removed or changed while the daemon was down).
   */
  async keepOnly(jobs: PendingJob[]): Promise<void> {
    const now = new Map(jobs.map((j) => [j.name, triggerIdentity(j.trigger)]));
    for (const { key, value } of await this.store.checkpoints(AREA).list()) {
      const trigger = parse(value)?.trigger;
      if (trigger === undefined || now.get(key) !== trigger)
        await this.update(key, (r) => (r && now.get(key) === r.trigger ? r : undefined));
    }
  }

  /** The record, if `job`'s trigger now is the one that reported it. */
  private async current(job: PendingJob): Promise<Record | undefined> {
    const r = await this.read(job.name);
    return r?.trigger === triggerIdentity(job.trigger) ? r : undefined;
  }

  private async read(job: string): Promise<Record | undefined> {
    const text = await this.store.checkpoints(AREA).get(job);
    return text === undefined ? undefined : parse(text);
  }

  private update(job: string, change: (r: Record | undefined) => Record | undefined): Promise<number> {
    const area = this.store.checkpoints(AREA);
    return this.store.withLock(`${AREA}.${job}`, LOCK_MS, async () => {
      const r = change(await this.read(job));
      if (!r?.entries.length) {
        await area.delete(job);
        return 0;
      }
      await area.put(job, JSON.stringify(r));
      return r.entries.length;
    });
  }
}

function parse(text: string): Record | undefined {
  try {
    return JSON.parse(text) as Record;
  } catch {
    // Torn by a foreign write: what it held is lost, rather than the trigger stopping for good.
    return undefined;
  }
}
