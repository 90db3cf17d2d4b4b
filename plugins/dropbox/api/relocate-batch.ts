// Copies or moves many entries inside Dropbox, server-side: files/copy_batch_v2 or
// files/move_batch_v2 in batches of 1000, each polled on its /check_v2 until complete.
// One result per item, in order: a failed entry fails alone (RelocationBatchErrorEntry),
// a failed batch fails its entries. No bytes pass through the client.
import type { Transport } from './http.ts';
import { DropboxError, errorFromUnion } from './errors.ts';
import { pollJob } from './async-job.ts';
import { normalizePath } from './paths.ts';
import type { Metadata } from './types.ts';

export interface RelocationItem {
  from: string;
  to: string;
}

export interface RelocationOutcome extends RelocationItem {
  metadata?: Metadata;
  error?: Error;
}

export interface RelocationBatchOptions {
  /** A taken target name gets Dropbox's free variant ("a (1).txt") instead of a conflict. */
  autorename?: boolean;
  signal?: AbortSignal;
}

const BATCH = 1000;

type Entries = Array<Record<string, unknown>>;

export async function relocateBatch(
  c: { t: Transport; commit<T>(fn: () => Promise<T>): Promise<T> },
  op: 'copy' | 'move',
  items: RelocationItem[],
  opts: RelocationBatchOptions = {},
): Promise<RelocationOutcome[]> {
  const route = `files/${op}_batch_v2`;
  const out: RelocationOutcome[] = items.map((it) => ({ ...it }));
  const valid: Array<{ i: number; from: string; to: string }> = [];
  items.forEach((it, i) => {
    try {
      valid.push({ i, from: normalizePath(it.from, 'write', route), to: normalizePath(it.to, 'write', route) });
    } catch (err) {
      out[i]!.error = err as Error;
    }
  });
  for (let k = 0; k < valid.length; k += BATCH) {
    const batch = valid.slice(k, k + BATCH);
    try {
      const entries = await c.commit(async () => {
        const r = (
          await c.t.send<Record<string, unknown>>({
            route,
            style: 'rpc',
            arg: {
              entries: batch.map((b) => ({ from_path: b.from, to_path: b.to })),
              autorename: opts.autorename ?? false,
              ...(op === 'move' ? { allow_ownership_transfer: false } : {}),
            },
            // A repeat of a batch that went through copies twice (or conflicts), or
            // finds the moved entries gone: retried only when Dropbox certainly did nothing.
            idempotency: 'once',
            signal: opts.signal,
          })
        ).result;
        if (r['.tag'] === 'complete') return (r as { entries: Entries }).entries;
        if (r['.tag'] === 'async_job_id')
          return (
            await pollJob<{ entries: Entries }>(c.t, `files/${op}_batch/check_v2`, String(r.async_job_id), opts.signal)
          ).entries;
        throw new DropboxError(`${route}: unexpected reply ${String(r['.tag'])}`, { route });
      });
      batch.forEach((b, j) => {
        const e = entries[j];
        if (e?.['.tag'] === 'success') out[b.i]!.metadata = e.success as Metadata;
        else {
          const failure = e?.failure as Record<string, unknown> | undefined;
          // relocation_error carries the RelocationError copy_v2 would have thrown.
          const union = failure?.['.tag'] === 'relocation_error' ? failure.relocation_error : (failure ?? e);
          out[b.i]!.error = errorFromUnion(route, union, [b.from, b.to]);
        }
      });
    } catch (err) {
      for (const b of batch) out[b.i]!.error = err as Error;
    }
  }
  return out;
}
