// A download as byte ranges fetched side by side into one part file, each stream writing
// at its own offsets (rclone's multi-thread download: 4 streams for files over 256 MiB).
// Every range but the last is a whole number of Dropbox's 4 MiB hash blocks, so each stream
// hashes its own blocks and the file's content_hash is their digests in range order
// (content-hash.ts). A dropped stream resumes its range with Range from its bytes on disk;
// an answer naming another rev, or ignoring Range, means the file changed: StartOver. A
// small file is one range, fetched exactly as a single-stream download always was.
import type { FileHandle } from 'node:fs/promises';
import type { Response, Transport } from './http.ts';
import type { FileMetadata } from './types.ts';
import { BLOCK_SIZE, ContentHasher, hashFileRegion } from './content-hash.ts';
import { NetworkError } from './errors.ts';
import { policyDelay } from './retry.ts';
import { FileSink } from './file-sink.ts';
import type { ByteRange, RangeRecord } from './range-record.ts';

const MiB = 1024 * 1024;

export interface RangedDownloads {
  /** Files of at least this many bytes are fetched as several ranges. */
  minBytes: number;
  /** Ranges (and so streams) per file; at most 16 (the record's room). */
  streams: number;
}

// rclone splits from 256 MiB into 4 streams; we split from 64 MiB. A/B against the
// in-process sandbox (bundled child, 2 cores shared with the sandbox, load ~11; medians):
// 64 MiB 0.64 s vs 0.72 s in one stream, 256 MiB 1.80 vs 1.75 s (a tie), 1 GiB 4.63 vs
// 5.28 s. There both ends share the CPU, so that is the least it gains; over a real link
// one stream is bound by its round trips and per-connection rate, which ranges multiply.
export const RANGED_DOWNLOADS: RangedDownloads = { minBytes: 64 * MiB, streams: 4 };

/**
 * The ranges of a file of `size` bytes whose first `from` bytes are on disk: one range
 * below `minBytes`, otherwise `streams` ranges of whole 4 MiB blocks (the last one shorter).
 */
export function planRanges(size: number, from: number, o: RangedDownloads): ByteRange[] {
  const streams = Math.min(16, Math.max(1, Math.floor(o.streams)));
  if (size < o.minBytes || streams < 2 || size <= BLOCK_SIZE) return [{ start: 0, end: size, done: from }];
  const step = Math.ceil(size / streams / BLOCK_SIZE) * BLOCK_SIZE;
  const ranges: ByteRange[] = [];
  for (let start = 0; start < size; start += step) {
    const end = Math.min(size, start + step);
    ranges.push({ start, end, done: Math.min(end - start, Math.max(0, from - start)) });
  }
  return ranges;
}

/** Dropbox now serves other bytes than those on disk (another rev, or Range ignored): start over. */
export class StartOver extends Error {}

export interface RangeFetchOptions {
  t: Transport;
  path: string;
  partPath: string;
  fh: FileHandle;
  size: number;
  /** The rev the bytes on disk belong to: every answer must name it. */
  rev: string;
  ranges: ByteRange[];
  record?: RangeRecord;
  /** An answer already open for range `index` from its first missing byte (the call's first request). */
  leader?: { index: number; res: Response<FileMetadata> };
  signal?: AbortSignal;
  /** Bytes that just arrived (handed to the file). */
  onBytes?: (n: number) => void;
}

const route = 'files/download';

export class RangeFetch {
  private readonly sinks: FileSink[] = [];
  /** Stops the other streams when one fails. */
  private readonly stop = new AbortController();
  private readonly signal: AbortSignal;

  constructor(private readonly o: RangeFetchOptions) {
    this.signal = o.signal ? AbortSignal.any([o.signal, this.stop.signal]) : this.stop.signal;
  }

  /** A write failed: what is on disk is not what the record or the offsets say. */
  get diskFailed(): boolean {
    return this.sinks.some((s) => s.failed);
  }

  /** Fetches every range; resolves to the metadata Dropbox sent and the block digests in file order. */
  async run(): Promise<{ md: FileMetadata; digests: Buffer[] }> {
    let first: unknown;
    const results = await Promise.allSettled(
      this.o.ranges.map((r, i) =>
        this.range(i, r).catch((err: unknown) => {
          if (first === undefined && !this.signal.aborted) {
            first = err;
            this.stop.abort(err);
          }
          throw err;
        }),
      ),
    );
    // Every stream has stopped writing: the record now says exactly what is on disk.
    await this.o.record?.save();
    if (this.o.signal?.aborted) throw this.o.signal.reason;
    for (const r of results) if (r.status === 'rejected') throw first ?? r.reason;
    const done = results as PromiseFulfilledResult<{ md?: FileMetadata; digests: Buffer[] }>[];
    const md = done.find((r) => r.value.md)?.value.md;
    if (!md) throw new StartOver(); // every byte was on disk: nothing came to compare with
    return { md, digests: done.flatMap((r) => r.value.digests) };
  }

  /** Fetches range `i` to its end; resolves to its block digests and the last metadata seen. */
  private async range(i: number, r: ByteRange): Promise<{ md?: FileMetadata; digests: Buffer[] }> {
    const { t, size, record } = this.o;
    const signal = this.signal;
    const length = r.end - r.start;
    // The blocks already on disk count towards the hash too.
    const hasher = r.done > 0 ? await hashFileRegion(this.o.partPath, r.start, r.done, signal) : new ContentHasher();
    if (hasher.bytes !== r.done) throw new StartOver(); // the part file is shorter than it says
    const sink = new FileSink(this.o.fh, r.start + r.done);
    this.sinks.push(sink);
    const mark = () => record?.mark(i, sink.written - r.start);
    let pending = this.o.leader?.index === i ? this.o.leader.res : undefined;
    let md: FileMetadata | undefined;
    for (let drops = 0; r.done < length || pending;) {
      let res = pending;
      pending = undefined;
      if (!res) res = await this.request(r);
      md = res.result;
      try {
        for await (const chunk of res.body!) {
          const b = chunk as Buffer;
          const take = b.length > length - r.done ? b.subarray(0, length - r.done) : b;
          hasher.update(take);
          await sink.write(take);
          r.done += take.length;
          mark();
          this.o.onBytes?.(take.length);
          if (r.done === length) break; // an answer from before the layout runs on past the range
        }
        await sink.settle();
        mark();
      } catch (err) {
        if (signal.aborted) {
          await sink.settle().catch(() => {}); // keep what arrived for the next run
          mark();
          throw signal.reason;
        }
        // The disk failed, not the network: resuming would fetch the same bytes to fail again.
        if (sink.failed) throw err;
        await sink.settle(); // what arrived is good: resume after it
        r.done = sink.written - r.start;
        mark();
        drops++;
        const e = t.networkError(route, err, 'content');
        if (!(e instanceof NetworkError) || !e.retryable || drops >= t.policy.maxAttempts) throw e;
        await t.pacer.backOff(policyDelay(drops, t.policy), signal);
        continue;
      }
      if (r.done < length) {
        // The body ended early without an error: treat like a drop.
        if (++drops >= t.policy.maxAttempts)
          throw new NetworkError(
            `${route}: ${JSON.stringify(this.o.path)} ended after ${r.start + r.done} of ${size} bytes`,
            { route, tags: ['network', 'short_body'] },
          );
      }
    }
    return { md, digests: hasher.blockDigests() };
  }

  /** Asks for the rest of range `r`; throws StartOver when the answer is not those bytes of our rev. */
  private async request(r: ByteRange): Promise<Response<FileMetadata>> {
    const { t, path, size, rev } = this.o;
    const pos = r.start + r.done;
    // The last range asks open-ended, as a single-stream download always did.
    const res = await askBytes(t, path, pos, r.end === size ? undefined : r.end, this.signal);
    const same =
      res.result.size === size && (pos === 0 && r.end === size ? res.result.rev === rev : servesFrom(res, rev, pos));
    if (!same) {
      await res.body?.dump();
      throw new StartOver();
    }
    return res;
  }
}

/** files/download of bytes [from, to) (to the end when `to` is undefined; the whole file from 0). */
export function askBytes(
  t: Transport,
  path: string,
  from: number,
  to: number | undefined,
  signal: AbortSignal | undefined,
): Promise<Response<FileMetadata>> {
  const range = from === 0 && to === undefined ? undefined : `bytes=${from}-${to === undefined ? '' : to - 1}`;
  return t.send<FileMetadata>({
    route,
    style: 'download',
    arg: { path },
    idempotency: 'safe',
    paths: [path],
    signal,
    headers: range ? { range } : undefined,
  });
}

/** The answer holds `rev`'s bytes from `from` on (Range was honoured, the file is the same). */
export function servesFrom(res: Response<FileMetadata>, rev: string | undefined, from: number): boolean {
  return res.status === 206 && res.result.rev === rev && contentRangeStart(res.headers['content-range']) === from;
}

function contentRangeStart(v: string | string[] | undefined): number | undefined {
  const s = Array.isArray(v) ? v[0] : v;
  const m = s ? /bytes (\d+)-/.exec(s) : null;
  return m ? Number(m[1]) : undefined;
}
