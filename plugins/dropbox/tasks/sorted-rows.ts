// Many listed entries in their final order with flat memory (an external merge sort):
// up to `chunkRows` entries are held; one more, and they are sorted, cut to the limit
// and spilled as one run (a record of text fields per entry: the sort key, then what
// `toFields` keeps of the value) to a temp folder; at the end the runs are merged, read
// a block at a time. So a 100,000-entry listing holds 10,000 entries and a few read
// buffers, not 100,000; a listing that fits one chunk never touches disk.
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import type { Candidate } from './filters.ts';

/** Entries held before a sorted run is written out (default): ~10 MB of Dropbox metadata. */
export const CHUNK_ROWS = 10_000;

/**
 * Bytes per write of a run and per read of one while merging. Under V8's large-object
 * size (128 KiB), so the text of a write is young garbage, not old (peak RSS, issue 13).
 */
const BLOCK_BYTES = 64 * 1024;

/** Merged values handed out at once: one await per batch, not per entry (100,000 promises cost time). */
const BATCH_ROWS = 1024;

export type Order = (a: Candidate, b: Candidate) => number;

interface Held<T> {
  key: Candidate;
  value: T;
}

export interface SortedRowsOptions<T> {
  order: Order;
  /** Only the first `limit` in order are kept. */
  limit?: number;
  /** Held entries; one more spills them. */
  chunkRows?: number;
  /** What a run keeps of a value, as text fields (default: its JSON). */
  toFields?: (value: T) => string[];
  /** The value back from the fields toFields gave. */
  fromFields?: (fields: string[]) => T;
}

/** The sort key's fields in a run's record, before the value's. */
const KEY_FIELDS = 4;

export class SortedRows<T> {
  private held: Array<Held<T>> = [];
  private readonly runs: string[] = [];
  private dir: string | undefined;
  private readonly chunkRows: number;
  private readonly toFields: (value: T) => string[];
  private readonly fromFields: (fields: string[]) => T;

  constructor(private readonly o: SortedRowsOptions<T>) {
    this.chunkRows = Math.max(1, o.chunkRows ?? CHUNK_ROWS);
    this.toFields = o.toFields ?? ((v) => [JSON.stringify(v)]);
    this.fromFields = o.fromFields ?? ((f) => JSON.parse(f[0]!) as T);
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
    const file = join(this.dir, `run-${this.runs.length}.txt`);
    const fh = await open(file, 'wx', 0o600);
    try {
      let buf = '';
      for (const { key, value } of this.sortedHeld()) {
        buf += toRecord(key, this.toFields(value));
        if (buf.length >= BLOCK_BYTES) {
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

  /** Every entry in order (cut to the limit), once, in batches; then the temp folder is gone. */
  async *batches(): AsyncGenerator<T[]> {
    const readers: RunReader[] = [];
    try {
      if (!this.runs.length) {
        const all = this.sortedHeld().map((h) => h.value);
        for (let i = 0; i < all.length; i += BATCH_ROWS) yield all.slice(i, i + BATCH_ROWS);
        return;
      }
      if (this.held.length) await this.spill();
      for (const f of this.runs) readers.push(new RunReader(await open(f, 'r')));
      const heads: Array<Held<T> | undefined> = [];
      for (const r of readers) heads.push(await this.nextOf(r));
      let left = this.o.limit ?? Infinity;
      let batch: T[] = [];
      while (left-- > 0) {
        // Runs are few (one per CHUNK_ROWS entries): a scan for the least head is enough.
        let best = -1;
        for (let i = 0; i < heads.length; i++) {
          const h = heads[i];
          if (h && (best < 0 || this.o.order(h.key, heads[best]!.key) < 0)) best = i;
        }
        if (best < 0) break;
        batch.push(heads[best]!.value);
        const reader = readers[best]!;
        const record = reader.record();
        if (record) {
          heads[best] = this.parse(record);
        } else {
          // The run's block is used up: hand out what is merged while the next one is read.
          if (batch.length) yield batch;
          batch = [];
          heads[best] = await this.nextOf(reader);
        }
        if (batch.length >= BATCH_ROWS) {
          yield batch;
          batch = [];
        }
      }
      if (batch.length) yield batch;
    } finally {
      await Promise.all(readers.map((r) => r.close()));
      await this.discard();
    }
  }

  /** Removes the spilled runs (also when the listing failed part-way). */
  async discard(): Promise<void> {
    this.held = [];
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }

  private async nextOf(r: RunReader): Promise<Held<T> | undefined> {
    const record = r.record() ?? (await r.fill());
    return record && this.parse(record);
  }

  private parse(f: string[]): Held<T> {
    const [relPath, folder, size, ms] = f as [string, string, string, string];
    return {
      key: {
        relPath,
        folder: folder === '1',
        size: size === '' ? undefined : Number(size),
        modified: ms === '' ? undefined : new Date(Number(ms)),
      },
      value: this.fromFields(f.slice(KEY_FIELDS)),
    };
  }
}

/**
 * A run's record: the number of fields, then each field as `length:text` (lengths in
 * UTF-16 units). Nothing needs escaping, and reading back is slicing: no split, no
 * JSON.parse per entry.
 */
function toRecord(key: Candidate, value: string[]): string {
  const fields = [
    key.relPath,
    key.folder ? '1' : '',
    key.size === undefined ? '' : String(key.size),
    key.modified ? String(key.modified.getTime()) : '',
    ...value,
  ];
  let out = `${fields.length}:`;
  for (const f of fields) out += `${f.length}:${f}`;
  return out;
}

/** A run's records, a block at a time. */
class RunReader {
  private text = '';
  private at = 0;
  /** The number `number` read last. */
  private n = 0;
  private readonly decoder = new StringDecoder('utf8');
  private readonly buf = Buffer.allocUnsafe(BLOCK_BYTES);

  constructor(private readonly fh: FileHandle) {}

  /** The next record already read, or undefined when a block must be read first (fill). */
  record(): string[] | undefined {
    const t = this.text;
    let p = this.number(this.at);
    if (p < 0) return undefined;
    const fields: string[] = new Array<string>(this.n);
    for (let i = 0; i < fields.length; i++) {
      p = this.number(p);
      if (p < 0 || p + this.n > t.length) return undefined;
      fields[i] = t.slice(p, p + this.n);
      p += this.n;
    }
    this.at = p;
    return fields;
  }

  /** Reads blocks until a record is complete; that record, or undefined at the end of the run. */
  async fill(): Promise<string[] | undefined> {
    for (;;) {
      const { bytesRead } = await this.fh.read(this.buf, 0, BLOCK_BYTES, null);
      if (!bytesRead) return undefined; // records are whole: nothing is left over at the end
      this.text = this.text.slice(this.at) + this.decoder.write(this.buf.subarray(0, bytesRead));
      this.at = 0;
      const r = this.record();
      if (r) return r;
    }
  }

  close(): Promise<void> {
    return this.fh.close();
  }

  /** Reads the decimal number at `p` into `n`; where its ':' ends, or -1 when the text stops first. */
  private number(p: number): number {
    let n = 0;
    for (let i = p; i < this.text.length; i++) {
      const c = this.text.charCodeAt(i);
      if (c === 58 /* : */) {
        this.n = n;
        return i + 1;
      }
      n = n * 10 + (c - 48);
    }
    return -1;
  }
}
