// Run history in the file store: one JSON file per job under <state>/history/, newest run last,
// bounded to `limit` runs, rewritten atomically on every append so a crash leaves
// the previous history, never a torn one.
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ensureDir, writeJsonAtomic } from './atomic.ts';
import { withLockFile } from './lock.ts';
import { KeyedQueue } from '../keyed-queue.ts';
import type { ErrorKind } from '../errors.ts';
import type { TaskLink } from '../plugin.ts';

export type RunOutcome = 'success' | 'failed' | 'skipped' | 'aborted' | 'timeout' | 'interrupted';
export type RunTrigger = 'schedule' | 'manual' | 'catch-up' | 'retry' | 'change';

export interface TaskSummary {
  type: string;
  counts: Record<string, number>;
  bytes: number;
  /** Number of actions the task took (or would take, in a dry run). */
  actions: number;
  warnings: string[];
  /** Links the task made (the first LINKS_KEPT), so the webhook notification carries them. */
  links?: TaskLink[];
  /** The first items that failed (a task that failed part-way), one line each. */
  failures?: string[];
  /** How many items failed in all, when more than `failures` holds. */
  failedItems?: number;
  error?: string;
  /** The error's stable code and kind (src/errors.ts), set with `error`. */
  code?: string;
  kind?: ErrorKind;
}

/** What the history keeps of one run: no secrets, no per-file lists. */
export interface RunRecord {
  id: string;
  job: string;
  trigger: RunTrigger;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
  dryRun: boolean;
  /** The cron slot this run belongs to (schedule, catch-up and their retries). */
  scheduledAt?: string;
  startedAt: string;
  endedAt: string;
  durationMs: number;
  outcome: RunOutcome;
  /** One line; set unless the outcome is success. */
  error?: string;
  /** The error's stable code and kind (src/errors.ts); the kind decides job retries. */
  code?: string;
  kind?: ErrorKind;
  bytes: number;
  tasks: TaskSummary[];
}

/** Job names are checked by the job schema; this guards paths built from CLI input. */
const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A job name, checked before it becomes part of a path or a key (CLI input reaches here). */
export function jobName(job: string): string {
  return safeName(job, 'job name');
}

export const isSafeName = (name: string) => SAFE_NAME.test(name);

/** A name that becomes part of a path or a key (a job, a checkpoint namespace or key), checked. */
export function safeName(name: string, what: string): string {
  if (!isSafeName(name)) throw new Error(`'${name}' is not a valid ${what}`);
  return name;
}

/** Run history as every store keeps it. */
export interface RunHistory {
  /** Runs of `job`, newest first; at most `limit` of them. */
  list(job: string, limit?: number): Promise<RunRecord[]>;
  /** Adds a run's record; a record whose id is already there is not added twice. */
  append(record: RunRecord): Promise<void>;
  /** Waits for every pending write (shutdown). */
  flush(): Promise<void>;
}

export class FileRunHistory implements RunHistory {
  /** Appends are chained per job so concurrent runs never lose each other's record. */
  private readonly writes = new KeyedQueue();

  constructor(
    readonly stateDir: string,
    private limit: number,
  ) {}

  setLimit(limit: number): void {
    this.limit = limit;
  }

  fileOf(job: string): string {
    return join(this.stateDir, 'history', `${jobName(job)}.json`);
  }

  /** Runs of `job`, newest first; at most `limit` of them. */
  async list(job: string, limit = Infinity): Promise<RunRecord[]> {
    await this.writes.idle(job);
    const all = await this.read(job);
    return all.reverse().slice(0, limit);
  }

  append(record: RunRecord): Promise<void> {
    const job = record.job;
    return this.writes.run(job, async () => {
      const file = this.fileOf(job);
      await ensureDir(dirname(file));
      // Another process (the daemon, a `dropcron run`) may append to the same job.
      await withLockFile(file, async () => {
        const all = await this.read(job);
        if (all.some((r) => r.id === record.id)) return;
        all.push(record);
        await writeJsonAtomic(file, { job, runs: all.slice(-this.limit) });
      });
    });
  }

  /** Waits for every pending write (shutdown). */
  async flush(): Promise<void> {
    await this.writes.idle();
  }

  private async read(job: string): Promise<RunRecord[]> {
    let text: string;
    try {
      text = await readFile(this.fileOf(job), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    try {
      const data = JSON.parse(text) as { runs?: unknown };
      return Array.isArray(data.runs) ? (data.runs as RunRecord[]) : [];
    } catch {
      throw new Error(`${this.fileOf(job)} is not valid JSON; move it away to start a fresh history`);
    }
  }
}
