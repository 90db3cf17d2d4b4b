// Which bytes of a multi-stream download are on disk. Its ranges land side by side in one
// part file, so the file's size no longer says how much of it is there; this record does.
// It lives in the part file itself, in a fixed 4 KiB slot after the file's last byte,
// rewritten in place as the ranges advance: one file is claimed with one rename
// (part-files.ts) and nothing can lose its pair in a crash. The part's name says it holds
// a record. The record names only bytes already written (it is updated after them), so
// after `kill -9` each range resumes at most a few MiB back; an unreadable record (torn,
// or the file cut short) reads as nothing to resume, and the download starts over.
import type { FileHandle } from 'node:fs/promises';

/** Room for the JSON of 16 ranges of a file of petabytes, padded with spaces. */
export const RECORD_BYTES = 4096;

/** Bytes [start, end) of the file, of which the first `done` are on disk. */
export interface ByteRange {
  start: number;
  end: number;
  done: number;
}

export interface SavedRanges {
  /** The file's size: the record sits at this offset. */
  size: number;
  ranges: ByteRange[];
}

/** The record at the end of `fh`, or undefined when there is none that makes sense. */
export async function readRangeRecord(fh: FileHandle): Promise<SavedRanges | undefined> {
  const size = (await fh.stat()).size - RECORD_BYTES;
  if (size < 0) return undefined;
  const buf = Buffer.alloc(RECORD_BYTES);
  const { bytesRead } = await fh.read(buf, 0, RECORD_BYTES, size);
  let saved: unknown;
  try {
    saved = JSON.parse(buf.subarray(0, bytesRead).toString('utf8'));
  } catch {
    return undefined;
  }
  const s = saved as { v?: unknown; size?: unknown; ranges?: unknown };
  if (s.v !== 1 || s.size !== size || !Array.isArray(s.ranges) || s.ranges.length === 0) return undefined;
  const ranges: ByteRange[] = [];
  let next = 0;
  for (const r of s.ranges as unknown[]) {
    if (!Array.isArray(r) || r.length !== 3 || !r.every(Number.isSafeInteger)) return undefined;
    const [start, end, done] = r as [number, number, number];
    // Contiguous, in order, covering the file: anything else was not written by us.
    if (start !== next || end <= start || done < 0 || done > end - start) return undefined;
    ranges.push({ start, end, done });
    next = end;
  }
  return next === size ? { size, ranges } : undefined;
}

/** Keeps the record of one download current: `mark` as bytes reach the file, `settle` before closing it. */
export class RangeRecord {
  private readonly done: number[];
  private dirty = false;
  private writing: Promise<void> | undefined;
  private error: unknown;

  constructor(
    private readonly fh: FileHandle,
    private readonly size: number,
    private readonly ranges: readonly ByteRange[],
  ) {
    this.done = ranges.map((r) => r.done);
  }

  /** Range `i` has its first `done` bytes in the file; written soon, one write at a time. */
  mark(i: number, done: number): void {
    if (this.done[i] === done) return;
    this.done[i] = done;
    this.dirty = true;
    this.writing ??= this.drain();
  }

  /** Writes the record now (and waits for any write under way); throws a write that failed. */
  async save(): Promise<void> {
    this.dirty = true;
    // A write under way picks the change up before it ends; otherwise one starts.
    this.writing ??= this.drain();
    await this.writing;
    if (this.error !== undefined) throw this.error;
  }

  private async drain(): Promise<void> {
    try {
      while (this.dirty) {
        this.dirty = false;
        await this.write();
      }
    } catch (err) {
      this.error ??= err;
    } finally {
      this.writing = undefined;
    }
  }

  private async write(): Promise<void> {
    const text = JSON.stringify({
      v: 1,
      size: this.size,
      ranges: this.ranges.map((r, i) => [r.start, r.end, this.done[i]]),
    });
    if (text.length > RECORD_BYTES) throw new Error(`range record of ${text.length} bytes does not fit`);
    const buf = Buffer.alloc(RECORD_BYTES, ' ');
    buf.write(text, 'utf8');
    await this.fh.write(buf, 0, RECORD_BYTES, this.size);
  }
}
