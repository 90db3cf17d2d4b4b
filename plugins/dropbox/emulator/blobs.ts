// File contents. In memory by default (a list of chunks, never concatenated); with a
// data directory, one file per stored content under DIR/blobs, so multi-GiB files never
// sit in RAM. Disk blobs are reference-counted by the tree and removed when unused.
// A Spool collects bytes of one upload or session: writes are pending until commit(),
// and rollback() forgets them (an append whose connection dropped stores nothing).
import { mkdirSync, createReadStream, rmSync } from 'node:fs';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { ContentHasher } from '../api/content-hash.ts';

export interface Blob {
  readonly size: number;
  readonly contentHash: string;
  /** Bytes [start, end) as a stream. */
  read(start?: number, end?: number): Readable;
}

export interface Spool {
  /** Committed bytes. */
  readonly size: number;
  write(chunk: Buffer): Promise<void>;
  /** Bytes written since the last commit. */
  readonly pending: number;
  commit(): void;
  rollback(): void;
  /** The content hash of the committed bytes. */
  hash(): string;
  /** The committed bytes as a stream (concurrent sessions join their pieces with it). */
  readCommitted(): Readable;
  seal(): Promise<Blob>;
  discard(): Promise<void>;
}

export interface BlobStore {
  spool(): Spool;
  fromBuffer(data: Buffer): Promise<Blob>;
  /** A file version (or a copy) starts or stops using a blob. */
  retain(blob: Blob): void;
  release(blob: Blob): void;
  close(): Promise<void>;
}

class MemoryBlob implements Blob {
  constructor(
    private chunks: Buffer[],
    readonly size: number,
    readonly contentHash: string,
  ) {}
  read(start = 0, end = this.size): Readable {
    const chunks = this.chunks;
    return Readable.from(
      (function* () {
        let pos = 0;
        for (const c of chunks) {
          const s = Math.max(start - pos, 0);
          const e = Math.min(end - pos, c.length);
          if (e > s) yield c.subarray(s, e);
          pos += c.length;
          if (pos >= end) break;
        }
      })(),
      { objectMode: false },
    );
  }
}

class MemorySpool implements Spool {
  private chunks: Buffer[] = [];
  private committedChunks = 0;
  size = 0;
  pending = 0;
  private hasher = new ContentHasher();
  private committedHasher = new ContentHasher();
  async write(chunk: Buffer): Promise<void> {
    // Copy: the socket may reuse its buffers.
    this.chunks.push(Buffer.from(chunk));
    this.hasher.update(chunk);
    this.pending += chunk.length;
  }
  commit(): void {
    this.size += this.pending;
    this.pending = 0;
    this.committedChunks = this.chunks.length;
    this.committedHasher = this.hasher.copy();
  }
  rollback(): void {
    this.chunks.length = this.committedChunks;
    this.pending = 0;
    this.hasher = this.committedHasher.copy();
  }
  hash(): string {
    return this.committedHasher.digest();
  }
  readCommitted(): Readable {
    return new MemoryBlob(this.chunks.slice(0, this.committedChunks), this.size, '').read();
  }
  async seal(): Promise<Blob> {
    this.rollback();
    return new MemoryBlob(this.chunks, this.size, this.hash());
  }
  async discard(): Promise<void> {
    this.chunks = [];
  }
}

class DiskBlob implements Blob {
  constructor(
    readonly file: string,
    readonly size: number,
    readonly contentHash: string,
  ) {}
  read(start = 0, end = this.size): Readable {
    if (end <= start) return Readable.from([]);
    return createReadStream(this.file, { start, end: end - 1, highWaterMark: 256 * 1024 });
  }
}

class DiskSpool implements Spool {
  size = 0;
  pending = 0;
  private fh: Promise<FileHandle>;
  private hasher = new ContentHasher();
  private committedHasher = new ContentHasher();
  constructor(
    private dir: string,
    private file: string,
  ) {
    this.fh = open(file, 'w+');
    // Failures surface where the handle is awaited; never as an unhandled rejection.
    this.fh.catch(() => undefined);
  }
  async write(chunk: Buffer): Promise<void> {
    const fh = await this.fh;
    let off = 0;
    while (off < chunk.length) {
      const { bytesWritten } = await fh.write(chunk, off, chunk.length - off, this.size + this.pending + off);
      off += bytesWritten;
    }
    this.hasher.update(chunk);
    this.pending += chunk.length;
  }
  commit(): void {
    this.size += this.pending;
    this.pending = 0;
    this.committedHasher = this.hasher.copy();
  }
  rollback(): void {
    this.pending = 0;
    this.hasher = this.committedHasher.copy();
  }
  hash(): string {
    return this.committedHasher.digest();
  }
  readCommitted(): Readable {
    return new DiskBlob(this.file, this.size, '').read();
  }
  async seal(): Promise<Blob> {
    this.rollback();
    const fh = await this.fh;
    await fh.truncate(this.size);
    await fh.close();
    const hash = this.hash();
    // One file per sealed spool (the hash in the name is for people reading the folder).
    const target = join(this.dir, 'blobs', `${hash}-${basename(this.file)}`);
    await rename(this.file, target);
    return new DiskBlob(target, this.size, hash);
  }
  async discard(): Promise<void> {
    const fh = await this.fh;
    await fh.close().catch(() => undefined);
    await unlink(this.file).catch(() => undefined);
  }
}

export function memoryBlobStore(): BlobStore {
  return {
    spool: () => new MemorySpool(),
    async fromBuffer(data) {
      const s = new MemorySpool();
      await s.write(data);
      s.commit();
      return s.seal();
    },
    retain() {},
    release() {},
    async close() {},
  };
}

export function diskBlobStore(dir: string): BlobStore {
  // Metadata lives in memory, so contents of an earlier run are unreachable: start clean
  // (only the two folders this store owns).
  for (const sub of ['blobs', 'spool']) {
    rmSync(join(dir, sub), { recursive: true, force: true });
    mkdirSync(join(dir, sub), { recursive: true });
  }
  const spools = join(dir, 'spool');
  const refs = new Map<string, number>();
  const spool = () => new DiskSpool(dir, join(spools, randomBytes(12).toString('hex')));
  return {
    spool,
    async fromBuffer(data) {
      const s = spool();
      await s.write(data);
      s.commit();
      return s.seal();
    },
    retain(blob) {
      const f = (blob as DiskBlob).file;
      refs.set(f, (refs.get(f) ?? 0) + 1);
    },
    release(blob) {
      const f = (blob as DiskBlob).file;
      const n = (refs.get(f) ?? 1) - 1;
      if (n > 0) return void refs.set(f, n);
      refs.delete(f);
      void unlink(f).catch(() => undefined);
    },
    async close() {},
  };
}
