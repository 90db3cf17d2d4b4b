// Many listed entries in their final order with flat memory (an external merge sort):
// up to `chunkRows` entries are held; one more, and they are sorted, cut to the limit
// and spilled as one run (a record per entry: the sort key, then what `toFields` keeps
// of the value; see run-files.ts) to a temp folder; at the end the runs are merged. So
// a 100,000-entry listing holds 2,000 entries and a few read buffers, not 100,000; a
// listing that fits one chunk never touches disk.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Candidate } from './filters.ts';
import { mergeRuns, RunWriter, type Order } from './run-files.ts';

export type { Order } from './run-files.ts';

/**
 * Entries held before a sorted run is written out (default): about one page of a
 * listing. Held entries outlive the young generation's collections and are promoted,
 * and V8 lets the old generation grow to a multiple of what is live: 10,000 held rows
 * kept a 100,000-entry listing at 176-188 MB peak RSS, 2,000 at 133-144 MB (issue 13).
 */
export const CHUNK_ROWS = 2_000;

/**
 * Runs merged at once (default). When this many runs of one generation exist they are
 * merged into one of the next, so open files and read buffers (64 KiB a run) stay
 * bounded however long the listing: 100,000 entries make 50 runs and no extra pass.
 */
export const FAN_IN = 64;

interface Held<T> {
  key: Candidate;
  value: T;
}

interface Run {
  file: string;
  /** 0 for a spilled chunk, n + 1 for a merge of runs of generation n. */
  generation: number;
}

export interface SortedRowsOptions<T> {
  order: Order;
  /** Only the first `limit` in order are kept. */
  limit?: number;
  /** Held entries; one more spills them. */
  chunkRows?: number;
  /** Runs merged at once. */
  fanIn?: number;
  /** What a run keeps of a value, as text fields (default: its JSON). */
  toFields?: (value: T) => string[];
  /** The value back from the fields toFields gave. */
  fromFields?: (fields: string[]) => T;
}

/** The sort key's fields in a run's record, before the value's. */
const KEY_FIELDS = 4;

export class SortedRows<T> {
  private held: Array<Held<T>> = [];
  private runs: Run[] = [];
  private made = 0;
  private dir: string | undefined;
  private readonly chunkRows: number;
  private readonly fanIn: number;
  private readonly toFields: (value: T) => string[];
  private readonly fromFields: (fields: string[]) => T;

  constructor(private readonly o: SortedRowsOptions<T>) {
    this.chunkRows = Math.max(1, o.chunkRows ?? CHUNK_ROWS);
    this.fanIn = Math.max(2, o.fanIn ?? FAN_IN);
    this.toFields = o.toFields ?? ((v) => [JSON.stringify(v)]);
    this.fromFields = o.fromFields ?? ((f) => JSON.parse(f[0]!) as T);
  }

  /** Adds one entry; only its sort fields are kept of `key`. A promise only when it spills. */
  add(key: Candidate, value: T): Promise<void> | undefined {
    const { relPath, folder, size, modified } = key;
    this.held.push({ key: { relPath, folder, size, modified }, value });
    return this.held.length > this.chunkRows ? this.spill() : undefined;
  }

  /** Every entry in order (cut to the limit), once, in batches; then the temp folder is gone. */
  async *batches(): AsyncGenerator<T[]> {
    try {
      if (!this.runs.length) {
        yield this.sortedHeld().map((h) => h.value);
        return;
      }
      if (this.held.length) await this.spill();
      for await (const records of this.merged(this.runs))
        yield records.map((f) => this.fromFields(f.slice(KEY_FIELDS)));
    } finally {
      await this.discard();
    }
  }

  /** Removes the spilled runs (also when the listing failed part-way). */
  async discard(): Promise<void> {
    this.held = [];
    this.runs = [];
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private sortedHeld(): Array<Held<T>> {
    const sorted = this.held.sort((a, b) => this.o.order(a.key, b.key));
    this.held = [];
    return this.o.limit !== undefined ? sorted.slice(0, this.o.limit) : sorted;
  }

  private async spill(): Promise<void> {
    await this.writeRun(0, async (w) => {
      for (const { key, value } of this.sortedHeld()) {
        const written = w.add(keyFields(key).concat(this.toFields(value)));
        if (written) await written; // not per entry: an await costs a turn even on a value
      }
    });
    await this.mergeFullGenerations();
  }

  /** A generation with fanIn runs becomes one run of the next (which may then be full in turn). */
  private async mergeFullGenerations(): Promise<void> {
    for (let g = 0; ; g++) {
      const full = this.runs.filter((r) => r.generation === g);
      if (full.length < this.fanIn) return;
      await this.writeRun(g + 1, async (w) => {
        for await (const records of this.merged(full))
          for (const f of records) {
            const written = w.add(f);
            if (written) await written;
          }
      });
      this.runs = this.runs.filter((r) => !full.includes(r));
      await Promise.all(full.map((r) => rm(r.file)));
    }
  }

  private async writeRun(generation: number, fill: (w: RunWriter) => Promise<void>): Promise<void> {
    this.dir ??= await mkdtemp(join(tmpdir(), 'dropcron-rows-'));
    const file = join(this.dir, `run-${this.made++}.txt`);
    const w = await RunWriter.create(file);
    let ok = false;
    try {
      await fill(w);
      ok = true;
    } finally {
      await w.close(ok);
    }
    this.runs.push({ file, generation });
  }

  private merged(runs: readonly Run[]): AsyncGenerator<string[][]> {
    return mergeRuns(
      runs.map((r) => r.file),
      { order: this.o.order, keyOf, limit: this.o.limit },
    );
  }
}

function keyFields(key: Candidate): string[] {
  return [
    key.relPath,
    key.folder ? '1' : '',
    key.size === undefined ? '' : String(key.size),
    key.modified ? String(key.modified.getTime()) : '',
  ];
}

function keyOf(fields: string[]): Candidate {
  const [relPath, folder, size, ms] = fields as [string, string, string, string];
  return {
    relPath,
    folder: folder === '1',
    size: size === '' ? undefined : Number(size),
    modified: ms === '' ? undefined : new Date(Number(ms)),
  };
}
