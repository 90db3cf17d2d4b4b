// Whether a finished run is tried again, and after how long.
import type { JobDefinition } from '../config/types.ts';
import type { RunRecord } from '../store/history.ts';
import type { RunRequest } from './runner.ts';
import { backoffDelay } from './timers.ts';
import { retryable } from '../errors.ts';

/** Longest wait between retries, whatever the job's backoff and retry count. */
export const MAX_BACKOFF_MS = 3_600_000;

export interface RetryPlan {
  /** The attempt that just ended (1-based); the retry is attempt + 1. */
  attempt: number;
  /** The job's retry count. */
  count: number;
  delayMs: number;
}

/** The retry of `req` under the job's current definition, or undefined when there is none. */
export function planRetry(
  def: JobDefinition,
  req: RunRequest,
  record: RunRecord,
  random?: () => number,
): RetryPlan | undefined {
  const attempt = req.attempt ?? 1;
  const { count, backoffMs } = def.retries;
  // Aborted runs (shutdown) are not retried; timeouts, failures and runs whose daemon
  // died (interrupted, found by another daemon or the next start) are, unless the
  // failure's kind says a retry cannot fix it (a revoked grant, a full account, a tripped
  // delete guard, a wrong option): re-running those only repeats the failure.
  if (
    (record.outcome === 'failed' || record.outcome === 'timeout' || record.outcome === 'interrupted') &&
    retryable(record) &&
    !req.dryRun &&
    attempt <= count
  )
    return { attempt, count, delayMs: backoffDelay(attempt, backoffMs, MAX_BACKOFF_MS, random) };
  return undefined;
}
