// Dropbox's long-running operations (finish_batch, delete_batch, ...) answer with an
// async_job_id; their */check route is polled until the job completes or fails.
import type { Transport } from './http.ts';
import { DropboxError, errorFromUnion } from './errors.ts';
import { backoffDelay } from '../../../src/plugin.ts';

/** Polls an async job's /check route until complete, waiting by the one backoff rule from 100 ms up to 2 s. */
export async function pollJob<T>(t: Transport, route: string, jobId: string, signal?: AbortSignal): Promise<T> {
  for (let i = 0; ; i++) {
    const r = (
      await t.send<Record<string, unknown>>({
        route,
        style: 'rpc',
        arg: { async_job_id: jobId },
        idempotency: 'safe',
        signal,
      })
    ).result;
    const tag = r['.tag'];
    if (tag === 'complete')
      return ('complete' in r && r.complete && typeof r.complete === 'object' ? r.complete : r) as T;
    if (tag === 'failed') throw errorFromUnion(route, r.failed ?? r);
    if (tag !== 'in_progress') throw new DropboxError(`${route}: unexpected job state ${String(tag)}`, { route });
    await t.pacer.backOff(backoffDelay(i + 1, 100, 2000, t.policy.random), signal);
  }
}
