// Many files at once: uploadMany sends each file into its own upload session
// (upload.ts) and commits the closed sessions with finish_batch_v2, up to 1000
// entries per call; entries that fail transiently are committed again after a backoff.
// Not checkpointed (upload-checkpoints.ts), on purpose: the upload task sends only files
// up to 8 MiB this way, each one request below the 32 MiB chunk, so a checkpoint could
// save at most that one file's bytes, at the cost of a state-directory write per file
// (as much I/O again as a small file itself). After a kill, what the batches committed
// is on Dropbox and the next run skips it (the default overwrite: if-different compares
// size and content hash); the rest is resent, one request per file
// (test/faults/process.test.ts: 700 files, killed after 500 were committed).
import { stat } from 'node:fs/promises';
import type { FileMetadata, UploadManyItem, UploadManyResult } from './types.ts';
import { DropboxError, RateLimitError, errorFromUnion } from './errors.ts';
import { policyDelay } from './retry.ts';
import { pollJob } from './async-job.ts';
import { eachLimited } from './each-limited.ts';
import {
  commitInfo,
  uploadSessionData,
  verify,
  type CommitInfo,
  type SessionResult,
  type UploadContext,
} from './upload.ts';

interface Ready {
  index: number;
  session: SessionResult;
  commit: CommitInfo;
  tries: number;
}

export const FINISH_BATCH_MAX = 1000;

export async function uploadMany(
  ctx: UploadContext,
  items: UploadManyItem[],
  paths: string[],
  opts: {
    signal?: AbortSignal;
    onProgress?: (item: UploadManyItem, done: number, total: number) => void;
    batchSize?: number;
    retryLimit: number;
  },
): Promise<UploadManyResult[]> {
  const results: UploadManyResult[] = items.map((item) => ({ item }));
  const batchSize = Math.max(1, Math.min(FINISH_BATCH_MAX, opts.batchSize ?? FINISH_BATCH_MAX));
  const ready: Ready[] = [];
  let committing = Promise.resolve();
  const flush = () => {
    const batch = ready.splice(0, batchSize);
    if (batch.length)
      committing = committing.then(() => commitBatch(ctx, batch, results, opts.signal, opts.retryLimit));
  };

  // A file's failure is its own (recorded in its result); only an abort stops the others.
  await eachLimited(
    items.length,
    ctx.manyConcurrency,
    async (index) => {
      const item = items[index]!;
      try {
        const st = await stat(item.localPath);
        if (!st.isFile())
          throw new DropboxError(`files/upload: ${item.localPath} is not a regular file`, { route: 'files/upload' });
        let done = 0;
        opts.onProgress?.(item, 0, st.size);
        const session = await uploadSessionData(
          ctx,
          item.localPath,
          st.size,
          {
            add: (n) => {
              done += n;
              opts.onProgress?.(item, done, st.size);
            },
          },
          opts.signal,
        );
        const commit = commitInfo(paths[index]!, item, st);
        ready.push({ index, session, commit, tries: 0 });
        if (ready.length >= batchSize) flush();
      } catch (err) {
        if (opts.signal?.aborted) throw err;
        results[index]!.error = err as Error;
      }
    },
    opts.signal,
  );
  while (ready.length) flush();
  await committing;
  // Entries that failed transiently were put back; commit them until none remain.
  while (ready.length) {
    flush();
    await committing;
  }
  return results;

  async function commitBatch(
    c: UploadContext,
    batch: Ready[],
    out: UploadManyResult[],
    signal: AbortSignal | undefined,
    retryLimit: number,
  ): Promise<void> {
    let entries: Array<Record<string, unknown>>;
    try {
      entries = await c.commit(() => finishBatch(c, batch, signal));
    } catch (err) {
      for (const r of batch) out[r.index]!.error = err as Error;
      return;
    }
    const again: Ready[] = [];
    for (let k = 0; k < batch.length; k++) {
      const r = batch[k]!;
      const e = entries[k];
      if (e && e['.tag'] === 'success') {
        const md = e as unknown as FileMetadata;
        try {
          out[r.index]!.metadata = verify(
            'files/upload_session/finish_batch_v2',
            r.commit.path,
            { ...md, '.tag': 'file' },
            r.session.contentHash,
          );
        } catch (err) {
          out[r.index]!.error = err as Error;
        }
        continue;
      }
      const err = errorFromUnion(
        'files/upload_session/finish_batch_v2',
        e?.failure ?? e,
        [r.commit.path],
        r.session.size,
      );
      if ((err instanceof RateLimitError || err.retryable) && r.tries + 1 < retryLimit) {
        again.push({ ...r, tries: r.tries + 1 });
        continue;
      }
      if (err.tags[0] === 'lookup_failed') {
        const md = await c.getMetadata(r.commit.path, signal).catch(() => undefined);
        if (md && md['.tag'] === 'file' && md.content_hash === r.session.contentHash) {
          out[r.index]!.metadata = md;
          continue;
        }
      }
      out[r.index]!.error = err;
    }
    if (again.length) {
      // Entries refused for lock contention: the namespace is busy for every call, so the
      // whole connection waits, through its pacer.
      c.t.pacer.throttled(policyDelay(Math.max(...again.map((r) => r.tries)), c.t.policy));
      ready.push(...again);
    }
  }
}

async function finishBatch(
  ctx: UploadContext,
  batch: Ready[],
  signal?: AbortSignal,
): Promise<Array<Record<string, unknown>>> {
  const arg = {
    entries: batch.map((r) => ({
      cursor: { session_id: r.session.sessionId, offset: r.session.size },
      commit: r.commit,
      content_hash: r.session.contentHash,
    })),
  };
  const res = (
    await ctx.t.send<{ entries?: Array<Record<string, unknown>>; '.tag'?: string; async_job_id?: string }>({
      route: 'files/upload_session/finish_batch_v2',
      style: 'rpc',
      arg,
      idempotency: 'safe',
      signal,
    })
  ).result;
  if (res.entries) return res.entries;
  // v1-style answer: poll until the job completes.
  if (res['.tag'] === 'async_job_id' && res.async_job_id) {
    return (
      await pollJob<{ entries: Array<Record<string, unknown>> }>(
        ctx.t,
        'files/upload_session/finish_batch/check',
        res.async_job_id,
        signal,
      )
    ).entries;
  }
  throw new DropboxError('files/upload_session/finish_batch_v2: unexpected reply without entries', {
    route: 'files/upload_session/finish_batch_v2',
  });
}
