// The temp files of SortedRows' external sort. A run is a file of records, each a list
// of text fields written as a field count and then `length:text` per field (lengths in
// UTF-16 units): nothing needs escaping, and reading back is slicing, with no split or
// JSON.parse per entry. Runs are written and read a block at a time and merged in order.
import { open, type FileHandle } from 'node:fs/promises';
import { StringDecoder } from 'node:string_decoder';
import type { Candidate } from './filters.ts';

/**
 * Bytes per write of a run and per read of one while merging. Under V8's large-object
 * size (128 KiB), so the text of a write is young garbage, not old (peak RSS, issue 13).
 */
const BLOCK_BYTES = 64 * 1024;

/** Merged records handed out at once: one await per batch, not per entry (100,000 promises cost time). */
const BATCH_ROWS = 1024;

export type Order = (a: Candidate, b: Candidate) => number;

export function toRecord(fields: readonly string[]): string {
  let out = `${fields.length}:`;
  for (const f of fields) out += `${f.length}:${f}`;
  return out;
}

/** Records into a new run file, a block at a time. */
export class RunWriter {
  private buf = '';

  private constructor(private readonly fh: FileHandle) {}

  static async create(file: string): Promise<RunWriter> {
    return new RunWriter(await open(file, 'wx', 0o600));
  }

  /** A promise only when a block is written. */
  add(fields: readonly string[]): Promise<void> | undefined {
    this.buf += toRecord(fields);
    return this.buf.length >= BLOCK_BYTES ? this.flush() : undefined;
  }

  /** Writes what is left and closes the file; after a failure, only closes it. */
  async close(ok = true): Promise<void> {
    try {
      if (ok) await this.flush();
    } finally {
      await this.fh.close();
    }
  }

  private async flush(): Promise<void> {
    const text = this.buf;
    this.buf = '';
    if (text) await this.fh.write(text);
  }
}

/** A run's records, a block at a time. */
class RunReader {
  private text = '';
  private at = 0;
  /** The number `number` read last. */
  private n = 0;
  private readonly decoder = new StringDecoder('utf8');
  private readonly buf = Buffer.allocUnsafe(BLOCK_BYTES);

  private constructor(private readonly fh: FileHandle) {}

  static async open(file: string): Promise<RunReader> {
    return new RunReader(await open(file, 'r'));
  }

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

interface Head {
  key: Candidate;
  fields: string[];
  run: number;
}

/**
 * The records of sorted runs in one order (cut to `limit`), in batches. The least head
 * of the runs is kept on top of a binary heap; equal keys come in run order. A batch is
 * handed out early when a run's block is used up, so it is written while the next
 * block is read.
 */
export async function* mergeRuns(
  files: readonly string[],
  o: { order: Order; keyOf: (fields: string[]) => Candidate; limit?: number },
): AsyncGenerator<string[][]> {
  const readers: RunReader[] = [];
  try {
    for (const f of files) readers.push(await RunReader.open(f));
    const heap: Head[] = [];
    const before = (a: Head, b: Head) => {
      const d = o.order(a.key, b.key);
      return d < 0 || (d === 0 && a.run < b.run);
    };
    const swap = (i: number, j: number) => {
      const t = heap[i]!;
      heap[i] = heap[j]!;
      heap[j] = t;
    };
    const down = (i: number) => {
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let least = i;
        if (l < heap.length && before(heap[l]!, heap[least]!)) least = l;
        if (r < heap.length && before(heap[r]!, heap[least]!)) least = r;
        if (least === i) return;
        swap(i, least);
        i = least;
      }
    };
    for (const [run, reader] of readers.entries()) {
      const fields = reader.record() ?? (await reader.fill());
      if (fields) heap.push({ key: o.keyOf(fields), fields, run });
    }
    for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
    let left = o.limit ?? Infinity;
    let batch: string[][] = [];
    while (left-- > 0 && heap.length) {
      const top = heap[0]!;
      batch.push(top.fields);
      const reader = readers[top.run]!;
      let next = reader.record();
      if (!next) {
        if (batch.length) yield batch;
        batch = [];
        next = await reader.fill();
      }
      if (next) {
        top.key = o.keyOf(next);
        top.fields = next;
      } else {
        const last = heap.pop()!;
        if (heap.length) heap[0] = last;
      }
      down(0);
      if (batch.length >= BATCH_ROWS) {
        yield batch;
        batch = [];
      }
    }
    if (batch.length) yield batch;
  } finally {
    await Promise.all(readers.map((r) => r.close()));
  }
}
