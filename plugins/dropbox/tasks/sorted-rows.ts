// Many listed entries in their final order with flat memory (an external merge sort):
// up to `chunkRows` entries are held; one more, and they are sorted, cut to the limit
// and spilled as one run (a JSON line per entry, made small by `forSpill`) to a temp
// folder; at the end the runs are merged, one line of each at a time. So a
// 100,000-entry listing holds 10,000 entries and a few read buffers, not 100,000; a
// listing that fits one chunk never touches disk.
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Candidate } from './filters.ts';

/** Entries held before a sorted run is written out (default): ~10 MB of Dropbox metadata. */
export const CHUNK_ROWS = 10_000;

export type Order = (a: Candidate, b: Candidate) => number;

interface Held<T> {
  key: Candidate;
  value: T;
}

/** A spilled entry: its sort key, then its value (plain JSON data). */
type Line<T> = [relPath: string, folder: boolean, size: number | null, modifiedMs: number | null, value: T];

export interface SortedRowsOptions<T> {
  order: Order;
  /** Only the first `limit` in order are kept. */
  limit?: number;
  /** Held entries; one more spills them. */
  chunkRows?: number;
  /** What of a value a run keeps (default: all of it). */
  forSpill?: (value: T) => T;
}

export class SortedRows<T> {
  private held: Array<Held<T>> = [];
  private readonly runs: string[] = [];
  private dir: string | undefined;
  private readonly chunkRows: number;

  constructor(private readonly o: SortedRowsOptions<T>) {
    this.chunkRows = Math.max(1, o.chunkRows ?? CHUNK_ROWS);
  }

  /** Adds one entry; only its sort fields are kept of `key`. A promise only when it spills. */
  add(key: Candidate, value: T): Promise<void> | undefined {
    const { relPath, folder, size, modified } = key;
    this.held.push({ key: { relPath, folder, size, modified }, value });
    return this.held.length > this.chunkRows ? this.spill() : undefined;
  }

  private sortedHeld(): Array<Held<T>> {
    const sorted = this.held.sort((a, b) => this.o.order(a.key, b.key));
    this.held = [];
    return this.o.limit !== undefined ? sorted.slice(0, this.o.limit) : sorted;
  }

  private async spill(): Promise<void> {
    this.dir ??= await mkdtemp(join(tmpdir(), 'dropcron-rows-'));
    const file = join(this.dir, `run-${this.runs.length}.jsonl`);
    const fh = await open(file, 'wx', 0o600);
    const small = this.o.forSpill ?? ((v: T) => v);
    try {
      let buf = '';
      for (const { key, value } of this.sortedHeld()) {
        const line: Line<T> = [
          key.relPath,
          key.folder,
          key.size ?? null,
          key.modified?.getTime() ?? null,
          small(value),
        ];
        buf += JSON.stringify(line) + '\n';
        if (buf.length >= 1 << 20) {
          await fh.write(buf);
          buf = '';
        }
      }
      if (buf) await fh.write(buf);
    } finally {
      await fh.close();
    }
    this.runs.push(file);
  }

  /** Every entry in order (cut to the limit), once; then the temp folder is gone. */
  async *sorted(): AsyncGenerator<T> {
    try {
      if (!this.runs.length) {
        for (const h of this.sortedHeld()) yield h.value;
        return;
      }
      if (this.held.length) await this.spill();
      const readers = this.runs.map((f) =>
        createInterface({ input: createReadStream(f, { encoding: 'utf8' }), crlfDelay: Infinity })[
          Symbol.asyncIterator
        ](),
      );
      const heads = await Promise.all(readers.map((r) => next<T>(r)));
      let left = this.o.limit ?? Infinity;
      while (left-- > 0) {
        // Runs are few (one per CHUNK_ROWS entries): a scan for the least head is enough.
        let best = -1;
        for (let i = 0; i < heads.length; i++) {
          const h = heads[i];
          if (h && (best < 0 || this.o.order(h.key, heads[best]!.key) < 0)) best = i;
        }
        if (best < 0) break;
        const value = heads[best]!.value;
        heads[best] = await next<T>(readers[best]!);
        yield value;
      }
      await Promise.all(readers.map((r) => r.return?.()));
    } finally {
      await this.discard();
    }
  }

  /** Removes the spilled runs (also when the listing failed part-way). */
  async discard(): Promise<void> {
    this.held = [];
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

async function next<T>(it: AsyncIterator<string>): Promise<Held<T> | undefined> {
  const r = await it.next();
  if (r.done) return undefined;
  const [relPath, folder, size, ms, value] = JSON.parse(r.value as string) as Line<T>;
  return {
    key: { relPath, folder, size: size ?? undefined, modified: ms === null ? undefined : new Date(ms) },
    value,
  };
}
