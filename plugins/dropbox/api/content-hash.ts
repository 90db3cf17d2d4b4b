// Dropbox content_hash: SHA-256 of each 4 MiB block, the raw digests concatenated,
// SHA-256 of that, lowercase hex. Computed while bytes stream past, so no file is
// read twice and memory stays at one 4 MiB block's worth of hashing state.
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';

export const BLOCK_SIZE = 4 * 1024 * 1024;

export class ContentHasher {
  private blocks: Buffer[] = [];
  private block: Hash = createHash('sha256');
  private inBlock = 0;
  private total = 0;

  update(data: Uint8Array): this {
    let off = 0;
    while (off < data.length) {
      const take = Math.min(BLOCK_SIZE - this.inBlock, data.length - off);
      this.block.update(data.subarray(off, off + take));
      this.inBlock += take;
      off += take;
      if (this.inBlock === BLOCK_SIZE) {
        this.blocks.push(this.block.digest());
        this.block = createHash('sha256');
        this.inBlock = 0;
      }
    }
    this.total += data.length;
    return this;
  }

  get bytes(): number {
    return this.total;
  }

  /** The raw digests of the blocks so far, a partial last block included; the hasher stays usable. */
  blockDigests(): Buffer[] {
    return this.inBlock > 0 ? [...this.blocks, this.block.copy().digest()] : [...this.blocks];
  }

  /** The hex content_hash of everything fed so far; the hasher stays usable. */
  digest(): string {
    return combineBlockDigests(this.blockDigests());
  }

  /** An independent hasher in the same state (the sandbox rolls back a failed append with it). */
  copy(): ContentHasher {
    const c = new ContentHasher();
    c.blocks = [...this.blocks];
    c.block = this.block.copy();
    c.inBlock = this.inBlock;
    c.total = this.total;
    return c;
  }
}

/** The content_hash from block digests in file order (lets parallel chunks hash independently). */
export function combineBlockDigests(digests: Buffer[]): string {
  const outer = createHash('sha256');
  for (const d of digests) outer.update(d);
  return outer.digest('hex');
}

export function contentHash(data: Uint8Array | string): string {
  return new ContentHasher().update(typeof data === 'string' ? Buffer.from(data) : data).digest();
}

/** Block digests of a file region (start must be block-aligned unless it is the whole region). */
export async function hashFileRegion(
  path: string,
  start: number,
  length: number,
  signal?: AbortSignal,
): Promise<ContentHasher> {
  const h = new ContentHasher();
  if (length === 0) return h;
  for await (const chunk of createReadStream(path, {
    start,
    end: start + length - 1,
    highWaterMark: 1024 * 1024,
    signal,
  })) {
    h.update(chunk as Buffer);
  }
  return h;
}
