// Downloads stream into a part file beside the target (part-files.ts), hashing the bytes
// as they are written; a file of 64 MiB or more comes as several ranges side by side
// (download-ranges.ts), whose progress the part file records (range-record.ts). A dropped
// connection resumes with Range from the bytes on disk (only if Dropbox still serves the
// same rev), and so does a later call for the same rev when a run was killed or gave up
// mid-file. At the end the size and content_hash of the whole file are checked, it is
// fsynced and renamed over the target, and the directory is fsynced. Bytes that cannot be
// trusted (a failed check, a failed write) are removed; the target is never half-written.
import { utimes, unlink, rename, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Response, Transport } from './http.ts';
import type { DownloadOptions, FileMetadata } from './types.ts';
import { combineBlockDigests } from './content-hash.ts';
import { IntegrityError, NetworkError } from './errors.ts';
import { localWriteError } from './local-write-error.ts';
import { openPart, type OwnedPart } from './part-files.ts';
import {
  RANGED_DOWNLOADS,
  RangeFetch,
  StartOver,
  askBytes,
  planRanges,
  servesFrom,
  type RangedDownloads,
} from './download-ranges.ts';
import { RangeRecord, readRangeRecord, type SavedRanges } from './range-record.ts';

/** `ranged`: when and how a big file is split (tests make it split small ones). */
export async function downloadFile(
  t: Transport,
  path: string,
  localPath: string,
  opts: DownloadOptions,
  ranged: RangedDownloads = RANGED_DOWNLOADS,
): Promise<FileMetadata> {
  const route = 'files/download';
  const dir = dirname(localPath);
  const part: OwnedPart = await openPart(localPath, opts.rev).catch(async (err) => {
    throw await diskFailure(err, localPath);
  });
  let fh: OwnedPart['fh'] | undefined = part.fh;
  let size: number | undefined;
  let fetch: RangeFetch | undefined;
  /** What is on disk is worth keeping for a later resume of part.rev. */
  let resumable = true;
  try {
    let saved = part.ranged ? await readRangeRecord(fh) : undefined;
    // A prefix part holds its first bytes; a ranged one without a record holds nothing to trust.
    let prefix = part.ranged ? 0 : part.size;
    if (part.ranged && !saved) await fh.truncate(0);
    // Bytes from an earlier call that prove stale cost no attempt: this call has not yet failed.
    let earlier = prefix > 0 || saved !== undefined;
    let restarts = 0;
    /** Drops the bytes on disk; after the first time in this call it counts as a failed attempt. */
    const startOver = async (): Promise<void> => {
      saved = undefined;
      prefix = 0;
      await fh!.truncate(0);
      if (earlier) earlier = false;
      else if (++restarts >= t.policy.maxAttempts)
        throw new NetworkError(`${route}: ${JSON.stringify(path)} could not be resumed`, {
          route,
          tags: ['network', 'resume_failed'],
        });
    };
    let md: FileMetadata;
    let digests: Buffer[];
    for (;;) {
      let plan: { size: number; rev: string; record?: RangeRecord; ranges: SavedRanges['ranges'] };
      let leader: { index: number; res: Response<FileMetadata> } | undefined;
      if (saved) {
        // Every range on disk still needs one answer to compare Dropbox's hash with.
        const last = saved.ranges.at(-1)!;
        if (saved.ranges.every((r) => r.done === r.end - r.start)) last.done = last.end - last.start - 1;
        plan = { ...saved, rev: part.rev!, record: new RangeRecord(fh, saved.size, saved.ranges) };
      } else {
        const res = await askBytes(t, path, prefix, undefined, opts.signal);
        if (prefix > 0 && !servesFrom(res, part.rev, prefix)) {
          // The file changed since the first bytes, or Range was ignored: start over.
          await res.body?.dump();
          await startOver();
          continue;
        }
        const ranges = planRanges(res.result.size, prefix, ranged);
        const multi = ranges.length > 1;
        plan = { size: res.result.size, rev: res.result.rev, ranges };
        try {
          if (part.rev !== plan.rev || part.ranged !== multi) await part.relabel(plan.rev, multi);
          if (multi) {
            plan.record = new RangeRecord(fh, plan.size, ranges);
            await plan.record.save();
          }
        } catch (err) {
          res.body?.destroy(); // no stream will read it
          throw err;
        }
        const at = ranges.findIndex((r) => prefix < r.end);
        leader = { index: at < 0 ? ranges.length - 1 : at, res };
      }
      size = plan.size;
      let written = plan.ranges.reduce((n, r) => n + r.done, 0);
      opts.onProgress?.(written, size);
      fetch = new RangeFetch({
        t,
        path,
        partPath: part.path,
        fh,
        size: plan.size,
        rev: plan.rev,
        ranges: plan.ranges,
        record: plan.record,
        leader,
        signal: opts.signal,
        onBytes: (n) => opts.onProgress?.((written += n), plan.size),
      });
      try {
        ({ md, digests } = await fetch.run());
        break;
      } catch (err) {
        if (!(err instanceof StartOver)) throw err;
        await startOver();
      }
    }

    resumable = false; // every byte is here: whatever the checks say, nothing is left to resume
    if (md.size !== size) {
      throw new IntegrityError(`${route}: ${JSON.stringify(path)} is ${md.size} bytes but ${size} arrived`, {
        route,
        tags: ['size_mismatch'],
      });
    }
    const local = combineBlockDigests(digests);
    if (md.content_hash !== undefined && md.content_hash !== local) {
      throw new IntegrityError(
        `${route}: ${JSON.stringify(path)} arrived with content_hash ${local} but Dropbox has ${md.content_hash}; the download was corrupted and was discarded`,
        { route, tags: ['content_hash_mismatch'] },
      );
    }
    // The range record after the last byte goes: what is left is exactly the file.
    if (part.ranged) await fh.truncate(size);
    await fh.sync();
    await fh.close();
    fh = undefined;
    if (opts.keepModified !== false && md.client_modified) {
      const m = new Date(md.client_modified);
      if (!Number.isNaN(m.getTime())) await utimes(part.path, m, m);
    }
    await rename(part.path, localPath);
    await syncDir(dir);
    return md;
  } catch (err) {
    // A write that failed leaves bytes that are not what the offsets or the record say.
    if (fetch?.diskFailed) resumable = false;
    await fh?.close().catch(() => {});
    // A network failure or a cancelled run leaves the bytes so far for the next run to
    // resume (a later download task removes them if nothing wants that rev any more).
    const keep = resumable && part.rev !== undefined && !(err instanceof IntegrityError);
    if (!keep) await unlink(part.path).catch(() => {});
    throw await diskFailure(err, localPath, size);
  } finally {
    part.release();
  }
}

/** A local write failure as one line naming the file; anything else as it is. */
async function diskFailure(err: unknown, localPath: string, neededBytes?: number): Promise<unknown> {
  return (await localWriteError(err, localPath, neededBytes)) ?? err;
}

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await d.close();
  }
}
