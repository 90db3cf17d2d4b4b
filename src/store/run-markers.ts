// A run that is killed (kill -9, a crash, power loss) writes no history record: the
// runner records a run only when it ends. So each run that starts leaves a marker (in the
// file store <state>/running/<run id>.json), rewritten as each task finishes and removed once the
// run's record is in the history. A marker whose process is gone is a run that never
// ended: the next start records it as `interrupted`, with the tasks it had finished.
// The marker holds the process's start identity beside its pid, so a pid reused since by
// another process (a restarted container) does not keep a dead run "running" forever.
import type { Logger } from '../log.ts';
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { coreErrors } from '../errors.ts';
import { ensureDir, writeJsonAtomic } from './atomic.ts';
import type { RunHistory, RunRecord } from './history.ts';
import type { Store } from './store.ts';
import type { DaemonRun } from './daemons.ts';
import { ownerAlive, processIdentity } from '../process-alive.ts';

/** A run's record so far, while it runs. */
export type MarkerRecord = Omit<RunRecord, 'endedAt' | 'durationMs' | 'outcome'>;

/** Where runs in progress leave their marker; every store has one. */
export interface RunMarkers {
  /** Marks a run as started, or updates what it has done; a run id is a UUID. */
  write(record: MarkerRecord): Promise<void>;
  /** The run's record is in the history: forget the marker. */
  remove(id: string): Promise<void>;
}

/** What a marker file holds: the record so far, and who was running it. */
interface Marker {
  pid: number;
  /** processIdentity(pid) when written; absent where the system does not say (and in older markers). */
  since?: string;
  record: MarkerRecord;
}

const SAFE_ID = /^[A-Za-z0-9-]{1,64}$/;
/** This process's start identity, written into its markers. */
const SELF = processIdentity(process.pid);
/**
 * A marker's temp file (writeJsonAtomic) that a kill caught mid-write. A marker is a few
 * hundred bytes written in milliseconds: one this old is no write in progress.
 */
const TEMP_STALE_MS = 10 * 60 * 1000;

/** The record of a run that never ended, with the tasks it had finished. */
export function interruptedRecord(record: MarkerRecord, now: Date, why: string): RunRecord {
  const started = Date.parse(record.startedAt);
  return {
    ...record,
    endedAt: now.toISOString(),
    durationMs: Number.isFinite(started) ? Math.max(0, now.getTime() - started) : 0,
    outcome: 'interrupted',
    error: `${why} before the run ended; finished tasks are kept`,
    code: 'DC_INTERRUPTED',
    kind: coreErrors.DC_INTERRUPTED.kind,
  };
}

export class FileRunMarkers implements RunMarkers {
  private readonly dir: string;
  /** Runs this process is running: never taken for dead, whatever their pid says. */
  private readonly mine = new Map<string, DaemonRun>();

  constructor(stateDir: string) {
    this.dir = join(stateDir, 'running');
  }

  async write(record: MarkerRecord): Promise<void> {
    if (!SAFE_ID.test(record.id)) return;
    this.mine.set(record.id, { runId: record.id, job: record.job, startedAt: record.startedAt });
    await ensureDir(this.dir);
    await writeJsonAtomic(join(this.dir, `${record.id}.json`), {
      pid: process.pid,
      since: SELF,
      record,
    } satisfies Marker);
  }

  /** The runs this process has in progress. */
  running(): DaemonRun[] {
    return [...this.mine.values()];
  }

  async remove(id: string): Promise<void> {
    if (!SAFE_ID.test(id)) return;
    this.mine.delete(id);
    await unlink(join(this.dir, `${id}.json`)).catch(() => {});
  }

  /**
   * Records every run whose process is gone as `interrupted` (once: a run already in its
   * job's history is only forgotten) and returns those records. Temp files a kill left
   * mid-write go too.
   */
  async recover(history: RunHistory, now = new Date(), alive = ownerAlive): Promise<RunRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    for (const name of names.filter((n) => n.startsWith('.') && n.endsWith('.tmp'))) {
      const file = join(this.dir, name);
      const st = await stat(file).catch(() => undefined);
      if (st && now.getTime() - st.mtimeMs > TEMP_STALE_MS) await unlink(file).catch(() => {});
    }
    names = names.filter((n) => n.endsWith('.json'));
    const out: RunRecord[] = [];
    for (const name of names) {
      const file = join(this.dir, name);
      let marker: Marker;
      try {
        marker = JSON.parse(await readFile(file, 'utf8')) as Marker;
      } catch {
        await unlink(file).catch(() => {}); // torn or foreign: nothing to record
        continue;
      }
      if (this.mine.has(marker.record.id)) continue;
      if (marker.pid !== process.pid && alive(marker.pid, marker.since)) continue; // a `dropcron run` beside us
      const { record } = marker;
      const known = await history.list(record.job).catch(() => []);
      if (!known.some((r) => r.id === record.id)) {
        const interrupted = interruptedRecord(record, now, `the dropcron process (pid ${marker.pid}) stopped`);
        await history.append(interrupted);
        out.push(interrupted);
      }
      await unlink(file).catch(() => {});
    }
    return out;
  }
}

/** Says in the log that a run was found interrupted and recorded. */
export function logInterrupted(log: Logger, r: RunRecord): void {
  log.warn(
    { job: r.job, runId: r.id, startedAt: r.startedAt },
    `run ${r.id} of ${r.job}, started ${r.startedAt}, was interrupted: recorded as such in its history`,
  );
}

/** Records the runs a killed process left behind and logs each: at every start. */
export async function recordInterrupted(store: Store, log: Logger): Promise<RunRecord[]> {
  try {
    const lost = await store.recoverInterrupted();
    for (const r of lost) logInterrupted(log, r);
    return lost;
  } catch (err) {
    log.warn(`cannot record interrupted runs: ${(err as Error).message}`);
    return [];
  }
}
