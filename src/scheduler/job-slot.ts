// What the scheduler holds per job: its definition, its timer and the runs around it.
import type { JobDefinition } from '../config/types.ts';
import type { RunOutcome } from '../store/history.ts';
import type { CronHandle } from './cron.ts';
import type { RunRequest } from './runner.ts';
import type { TriggerHandle } from './triggers.ts';

export interface Active {
  req: RunRequest;
  controller: AbortController;
  started: boolean;
  /**
   * overlap: queue, and another daemon runs the job: this run waits for its lease. It is
   * this daemon's one queued run of the job, so later fires fold into it.
   */
  waiting?: boolean;
}

export interface JobSlot {
  def: JobDefinition;
  cron?: CronHandle;
  /** The watcher of the job's trigger, when it has one. */
  watch?: TriggerHandle;
  active?: Active;
  /** overlap: queue keeps at most one run waiting; later fires fold into it. */
  queued?: RunRequest;
  /** A trigger's change met a run going or queued: a change run follows them. */
  changesFollow?: boolean;
  retry?: AbortController;
  /** The latest slot that fired on time, and the earliest missed one waiting for a decision. */
  lastFired?: Date;
  missed?: { at: Date; timer: NodeJS.Timeout };
  lastOutcome: RunOutcome | null;
  lastRunAt: string | null;
}
