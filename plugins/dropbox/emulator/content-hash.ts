// Dropbox's content_hash: SHA-256 of the concatenated SHA-256 digests of every 4 MiB
// block (the last one shorter), as lowercase hex. An empty input has no blocks, so its
// hash is SHA-256 of nothing. Streaming: feed chunks of any size in order.
import { createHash, type Hash } from 'node:crypto';

export const BLOCK_SIZE = 4 * 1024 * 1024;

export class ContentHasher {
  private overall: Hash;
  private block: Hash;
  private inBlock: number;

  constructor(from?: { overall: Hash; block: Hash; inBlock: number }) {
    this.overall = from?.overall ?? createHash('sha256');
    this.block = from?.block ?? createHash('sha256');
    this.inBlock = from?.inBlock ?? 0;
  }

  update(data: Uint8Array): this {
    let off = 0;
    while (off < data.length) {
      const take = Math.min(BLOCK_SIZE - this.inBlock, data.length - off);
      this.block.update(data.subarray(off, off + take));
      this.inBlock += take;
      off += take;
      if (this.inBlock === BLOCK_SIZE) {
        this.overall.update(this.block.digest());
        this.block = createHash('sha256');
        this.inBlock = 0;
      }
    }
    return this;
  }

  /** An independent hasher in the same state (upload sessions roll back failed appends). */
  copy(): ContentHasher {
    return new ContentHasher({ overall: this.overall.copy(), block: this.block.copy(), inBlock: this.inBlock });
  }

  /** The hex hash of everything fed so far; leaves this hasher usable. */
  digest(): string {
    const overall = this.overall.copy();
    if (this.inBlock > 0) overall.update(this.block.copy().digest());
    return overall.digest('hex');
  }
}

export function contentHash(data: Uint8Array | string): string {
  return new ContentHasher().update(typeof data === 'string' ? Buffer.from(data) : data).digest();
}
