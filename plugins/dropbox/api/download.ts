// Downloads stream into a temp file beside the target, hashing the bytes as they
// are written; a dropped connection resumes with Range from the bytes on disk (only
// if Dropbox still serves the same rev); at the end the size and content_hash are
// checked, the file is fsynced and renamed over the target, and the directory is
// fsynced. Any failure removes the temp file; the target is never half-written.
import { open, rename, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { Transport } from './http.ts';
import type { DownloadOptions, FileMetadata } from './types.ts';
import { ContentHasher } from './content-hash.ts';
import { IntegrityError, NetworkError } from './errors.ts';
import { sleep } from '../../../src/plugin.ts';
import { policyDelay } from './retry.ts';
import { localWriteError } from './local-write-error.ts';

export async function downloadFile(
  t: Transport,
  path: string,
  localPath: string,
  opts: DownloadOptions,
): Promise<FileMetadata> {
  const route = 'files/download';
  const dir = dirname(localPath);
  const tmp = join(dir, `.${basename(localPath)}.${randomBytes(4).toString('hex')}.dropcron-part`);
  let fh: FileHandle | undefined = await open(tmp, 'wx', 0o600).catch(async (err) => {
    throw await diskFailure(err, localPath);
  });
  let first: FileMetadata | undefined;
  try {
    const sink = new FileSink(fh);
    let hasher = new ContentHasher();
    let written = 0;
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
        md.rev === first?.rev &&
        contentRangeStart(res.headers['content-range']) === written;
      if (written > 0 && !resumedOk) {
        // The file changed since the first bytes, or Range was ignored: start over.
        await res.body?.dump();
        await sink.reset();
        hasher = new ContentHasher();
        written = 0;
        first = undefined;
        if (++drops >= t.policy.maxAttempts)
          throw new NetworkError(`${route}: ${JSON.stringify(path)} could not be resumed`, {
            route,
            tags: ['network', 'resume_failed'],
          });
        continue;
      }
      first ??= md;
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
        if (opts.signal?.aborted) throw opts.signal.reason;
        // The disk failed, not the network: resuming would fetch the same bytes to fail again.
        if (sink.failed) throw err;
        await sink.flush(); // what arrived is good: resume after it
        drops++;
        const e = t.networkError(route, err, 'content');
        if (!(e instanceof NetworkError) || !e.retryable || drops >= t.policy.maxAttempts) throw e;
        await sleep(policyDelay(drops, t.policy), { signal: opts.signal });
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
      if (!Number.isNaN(m.getTime())) await utimes(tmp, m, m);
    }
    await rename(tmp, localPath);
    await syncDir(dir);
    return md;
  } catch (err) {
    await fh?.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw await diskFailure(err, localPath, first?.size);
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
  private pos = 0;
  private sinceSync = 0;
  private syncing: Promise<void> | undefined;
  /** A write failed: the bytes handed over are not all on disk, so the file cannot be resumed. */
  failed = false;

  constructor(private readonly fh: FileHandle) {}

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
