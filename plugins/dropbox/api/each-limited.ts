// Many transfers, a few at a time: `limit` workers take the jobs in index order, so the
// first items start first and at most `limit` run at once however many there are (one
// promise per worker, not per item: a 100,000-file job holds `limit` of them).
import { getMaxListeners, setMaxListeners } from 'node:events';

/**
 * Runs `job(0)` .. `job(count - 1)` with at most `limit` running at once. A job that
 * throws, or an abort of `signal`, stops new jobs from starting; the ones already
 * running are waited for (an abort reaches them through their own signal), so nothing
 * still writes when this settles. Then it rethrows the first job's error, or the
 * abort's reason when the abort kept jobs from starting.
 */
export async function eachLimited(
  count: number,
  limit: number,
  job: (index: number) => Promise<void>,
  signal?: AbortSignal,
): Promise<void> {
  let next = 0;
  let failed: { err: unknown } | undefined;
  // Each running job's requests listen for the abort: `limit` of them on one signal is
  // by design, not the leak Node warns of past 10 listeners.
  if (signal) setMaxListeners(getMaxListeners(signal) + limit, signal);
  const worker = async () => {
    while (next < count && !failed && !signal?.aborted) {
      const index = next++;
      try {
        await job(index);
      } catch (err) {
        failed ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, count)) }, worker));
  if (failed) throw failed.err;
  if (next < count) signal?.throwIfAborted();
}
