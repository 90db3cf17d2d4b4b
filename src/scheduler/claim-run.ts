// Before a run starts, the store says whether this daemon runs it: the file store always
// grants; in a cluster exactly one daemon gets each cron slot, and a job runs on one
// daemon at a time. A job running elsewhere is busy: overlap skip skips this run,
// overlap queue waits for the other run to end, and so does a change run whatever the
// policy (what changed must reach a run; scheduler.ts trigger() says the same here).
import type { ClaimOutcome, Store } from '../store/store.ts';
import type { RunRequest } from './runner.ts';
import { sleep, type Clock } from './timers.ts';

/** How often a queued run asks again whether the job is still running on another daemon. */
export const QUEUE_POLL_MS = 1_000;

export async function claimRun(
  store: Store,
  req: RunRequest,
  signal: AbortSignal | undefined,
  clock: Clock,
  opts: { lease?: boolean; onWait?: () => void } = {},
): Promise<ClaimOutcome> {
  // A dry run changes nothing, so it holds no lease and needs no slot.
  if (req.dryRun) return { outcome: 'run' };
  const slot = req.trigger === 'schedule' || req.trigger === 'catch-up' ? req.scheduledAt : undefined;
  const { lease, onWait } = opts;
  if (!slot && lease === false) return { outcome: 'run' };
  for (;;) {
    const got = await store.claim({
      job: req.job.name,
      runId: req.id!,
      ...(slot ? { slot } : {}),
      ...(lease === undefined ? {} : { lease }),
    });
    if (got.outcome !== 'busy' || (req.job.overlap !== 'queue' && req.trigger !== 'change')) return got;
    onWait?.();
    await sleep(QUEUE_POLL_MS, { clock, signal });
  }
}
