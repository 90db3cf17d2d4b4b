// Downloads stream into a part file beside the target (part-files.ts), hashing the bytes
// as they are written; a dropped connection resumes with Range from the bytes on disk
// (only if Dropbox still serves the same rev), and so does a later call for the same
// rev when a run was killed or gave up mid-file. At the end the size and content_hash
// of the whole file are checked, it is fsynced and renamed over the target, and the
// directory is fsynced. Bytes that cannot be trusted (a failed check, a failed write)
// are removed; the target is never half-written.
import { utimes, unlink, rename, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Transport } from './http.ts';
import type { DownloadOptions, FileMetadata } from './types.ts';
import { ContentHasher } from './content-hash.ts';
import { IntegrityError, NetworkError } from './errors.ts';
import { policyDelay } from './retry.ts';
import { localWriteError } from './local-write-error.ts';
import { openPart, type OwnedPart } from './part-files.ts';

export async function downloadFile(
  t: Transport,
  path: string,
  localPath: string,
  opts: DownloadOptions,
): Promise<FileMetadata> {
  const route = 'files/download';
  const dir = dirname(localPath);
  const part: OwnedPart = await openPart(localPath, opts.rev).catch(async (err) => {
    throw await diskFailure(err, localPath);
  });
  let fh: FileHandle | undefined = part.fh;
  let first: FileMetadata | undefined;
  /** What is on disk is a true prefix of part.rev: worth keeping for a later resume. */
  let resumable = true;
  try {
    const sink = new FileSink(fh, part.size);
    let hasher = new ContentHasher();
    // The final content_hash covers the whole file: the bytes from an earlier run count too.
    if (part.size > 0) await hashExisting(fh, part.size, hasher);
    let written = part.size;
    for (let drops = 0; ;) {
      const res = await t.send<FileMetadata>({
        route,
        style: 'download',
        arg: { path },
        idempotency: 'safe',
        paths: [path],
        signal: opts.signal,
        headers: written > 0 ? { range: `bytes=${written}-` } : undefined,
      });
      const md = res.result;
      const resumedOk =
        written > 0 &&
        res.status === 206 &&
        md.rev === (first?.rev ?? part.rev) &&
        contentRangeStart(res.headers['content-range']) === written;
      if (written > 0 && !resumedOk) {
        // The file changed since the first bytes, or Range was ignored: start over.
        await res.body?.dump();
        await sink.reset();
        hasher = new ContentHasher();
        written = 0;
        // A part from an earlier call costs no attempt: this call has not yet failed.
        if (first !== undefined && ++drops >= t.policy.maxAttempts)
          throw new NetworkError(`${route}: ${JSON.stringify(path)} could not be resumed`, {
            route,
            tags: ['network', 'resume_failed'],
          });
        first = undefined;
        continue;
      }
      first ??= md;
      if (part.rev !== md.rev) await part.relabel(md.rev);
      const total = first.size;
      opts.onProgress?.(written, total);
      try {
        for await (const chunk of res.body!) {
          const b = chunk as Buffer;
          hasher.update(b);
          await sink.write(b);
          written += b.length;
          opts.onProgress?.(written, total);
        }
        await sink.flush();
      } catch (err) {
        if (opts.signal?.aborted) {
          await sink.flush().catch(() => {}); // keep what arrived for the next run
          throw opts.signal.reason;
        }
        // The disk failed, not the network: resuming would fetch the same bytes to fail again.
        if (sink.failed) {
          resumable = false;
          throw err;
        }
        await sink.flush(); // what arrived is good: resume after it
        drops++;
        const e = t.networkError(route, err, 'content');
        if (!(e instanceof NetworkError) || !e.retryable || drops >= t.policy.maxAttempts) throw e;
        await t.pacer.backOff(policyDelay(drops, t.policy), opts.signal);
        continue;
      }
      if (written < total) {
        // The body ended early without an error: treat like a drop.
        drops++;
        if (drops >= t.policy.maxAttempts)
          throw new NetworkError(`${route}: ${JSON.stringify(path)} ended after ${written} of ${total} bytes`, {
            route,
            tags: ['network', 'short_body'],
          });
        continue;
      }
      break;
    }
    const md = first!;
    resumable = false; // every byte is here: whatever the checks say, nothing is left to resume
    if (written !== md.size) {
      throw new IntegrityError(`${route}: ${JSON.stringify(path)} is ${md.size} bytes but ${written} arrived`, {
        route,
        tags: ['size_mismatch'],
      });
    }
    const local = hasher.digest();
    if (md.content_hash !== undefined && md.content_hash !== local) {
      throw new IntegrityError(
        `${route}: ${JSON.stringify(path)} arrived with content_hash ${local} but Dropbox has ${md.content_hash}; the download was corrupted and was discarded`,
        { route, tags: ['content_hash_mismatch'] },
      );
    }
    await sink.finish();
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
    await fh?.close().catch(() => {});
    // A network failure or a cancelled run leaves the bytes so far for the next run to
    // resume (a later download task removes them if nothing wants that rev any more).
    const keep = resumable && part.rev !== undefined && !(err instanceof IntegrityError);
    if (!keep) await unlink(part.path).catch(() => {});
    throw await diskFailure(err, localPath, first?.size);
  } finally {
    part.release();
  }
}

/** Feeds the `size` bytes already in the part file to the hasher. */
async function hashExisting(fh: FileHandle, size: number, hasher: ContentHasher): Promise<void> {
  const buf = Buffer.allocUnsafe(1024 * 1024);
  for (let pos = 0; pos < size;) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, size - pos), pos);
    if (bytesRead === 0) throw new Error(`part file shrank while reading it: ${pos} of ${size} bytes`);
    hasher.update(buf.subarray(0, bytesRead));
    pos += bytesRead;
  }
}

/** A local write failure as one line naming the file; anything else as it is. */
async function diskFailure(err: unknown, localPath: string, neededBytes?: number): Promise<unknown> {
  return (await localWriteError(err, localPath, neededBytes)) ?? err;
}

/**
 * Writes in 1 MiB batches (undici hands out 16-64 KiB pieces) and starts a datasync
 * every 64 MiB, so dirty pages reach the disk while bytes still arrive and the final
 * fsync does not stall on a whole GiB of them.
 */
class FileSink {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private sinceSync = 0;
  private syncing: Promise<void> | undefined;
  /** A write failed: the bytes handed over are not all on disk, so the file cannot be resumed. */
  failed = false;

  /** `pos`: the bytes already in the file, which later writes follow. */
  constructor(
    private readonly fh: FileHandle,
    private pos = 0,
  ) {}

  async write(b: Buffer): Promise<void> {
    this.pending.push(b);
    this.pendingBytes += b.length;
    if (this.pendingBytes >= 1024 * 1024) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const bufs = this.pending;
    const n = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    try {
      let done = (await this.fh.writev(bufs, this.pos)).bytesWritten;
      if (done < n) {
        // A filling disk takes part of a write; writing the rest reports why (ENOSPC, EDQUOT, EFBIG).
        const all = Buffer.concat(bufs);
        while (done < n) {
          const { bytesWritten } = await this.fh.write(all, done, n - done, this.pos + done);
          if (bytesWritten === 0) throw new Error(`short write: ${done} of ${n} bytes`);
          done += bytesWritten;
        }
      }
    } catch (err) {
      this.failed = true;
      throw err;
    }
    this.pos += n;
    this.sinceSync += n;
    if (this.sinceSync >= 64 * 1024 * 1024 && !this.syncing) {
      this.sinceSync = 0;
      this.syncing = this.fh
        .datasync()
        .catch(() => {})
        .finally(() => {
          this.syncing = undefined;
        });
    }
  }

  async reset(): Promise<void> {
    await this.syncing;
    this.pending = [];
    this.pendingBytes = 0;
    this.pos = 0;
    await this.fh.truncate(0);
  }

  async finish(): Promise<void> {
    await this.flush();
    await this.syncing;
    await this.fh.sync();
  }
}

function contentRangeStart(v: string | string[] | undefined): number | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  const m = s ? /bytes (\d+)-/.exec(s) : null;
  return m ? Number(m[1]) : undefined;
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
