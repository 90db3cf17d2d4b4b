// Where a download's bytes go on disk: one sink per stream, each writing its own region
// of the part file from a starting offset.
import type { FileHandle } from 'node:fs/promises';

/**
 * Writes in 1 MiB batches (undici hands out 16-64 KiB pieces) and starts a datasync
 * every 64 MiB, so dirty pages reach the disk while bytes still arrive and the final
 * fsync does not stall on a whole GiB of them.
 */
export class FileSink {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private sinceSync = 0;
  private syncing: Promise<void> | undefined;
  /** A write failed: the bytes handed over are not all on disk, so the file cannot be resumed. */
  failed = false;

  /** `pos`: where the next write lands; it counts only bytes already written to the file. */
  constructor(
    private readonly fh: FileHandle,
    private pos = 0,
  ) {}

  /** The offset up to which the bytes handed over are in the file (not those still batched). */
  get written(): number {
    return this.pos;
  }

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

  /** Everything handed over is written and no datasync of this sink is still running. */
  async settle(): Promise<void> {
    await this.flush();
    await this.syncing;
  }
}
