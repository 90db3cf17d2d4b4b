// History records of runs that never ran: skipped by the overlap policy, or aborted
// while waiting for a free slot.
import type { RunRecord } from '../store/history.ts';
import type { RunRequest } from './runner.ts';

export function skippedRecord(req: RunRequest, runningId: string, now: number): RunRecord {
  const at = new Date(now).toISOString();
  return {
    id: req.id!,
    job: req.job.name,
    trigger: req.trigger,
    attempt: req.attempt ?? 1,
    dryRun: req.dryRun ?? false,
    ...(req.scheduledAt ? { scheduledAt: req.scheduledAt.toISOString() } : {}),
    startedAt: at,
    endedAt: at,
    durationMs: 0,
    outcome: 'skipped',
    error: `skipped: the previous run (${runningId}) is still running (overlap: skip)`,
    bytes: 0,
    tasks: [],
  };
}

export function notStartedRecord(req: RunRequest, message: string, now: number): RunRecord {
  return { ...skippedRecord(req, '', now), outcome: 'aborted', error: message };
}
