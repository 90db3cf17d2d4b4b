// content_hash by Dropbox's algorithm, checked against the documented empty-file vector
// and against independent implementations on constructed files: a whole-buffer one over
// WebCrypto, and Python's hashlib where python3 exists.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BLOCK_SIZE, ContentHasher, contentHash } from '../../plugins/dropbox/api/content-hash.ts';

const PY = `
import hashlib, sys
data = sys.stdin.buffer.read()
blocks = b''.join(hashlib.sha256(data[i:i + 4194304]).digest() for i in range(0, len(data), 4194304))
print(hashlib.sha256(blocks).hexdigest())
`;

function python(data: Buffer): string {
  return execFileSync('python3', ['-c', PY], { input: data, maxBuffer: 1 << 20 })
    .toString()
    .trim();
}
const hasPython = spawnSync('python3', ['-c', 'import hashlib']).status === 0;

async function webCrypto(data: Buffer): Promise<string> {
  const digests: Buffer[] = [];
  for (let i = 0; i < data.length; i += 4194304)
    digests.push(Buffer.from(await globalThis.crypto.subtle.digest('SHA-256', data.subarray(i, i + 4194304))));
  return Buffer.from(await globalThis.crypto.subtle.digest('SHA-256', Buffer.concat(digests))).toString('hex');
}

/** Deterministic, non-repeating bytes. */
function bytes(n: number, seed = 1): Buffer {
  const out = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

describe('content_hash', () => {
  it('of nothing is the documented vector (SHA-256 of no block digests)', () => {
    expect(contentHash(Buffer.alloc(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('is not a plain SHA-256 of the bytes', () => {
    const d = bytes(100);
    expect(contentHash(d)).not.toBe(createHash('sha256').update(d).digest('hex'));
  });

  for (const n of [1, BLOCK_SIZE - 1, BLOCK_SIZE, BLOCK_SIZE + 1, 2 * BLOCK_SIZE + 12345]) {
    it(`agrees with independent implementations at ${n} bytes, however the bytes are fed`, async () => {
      const d = bytes(n, n);
      const want = await webCrypto(d);
      if (hasPython) expect(python(d)).toBe(want);
      expect(contentHash(d)).toBe(want);
      const h = new ContentHasher();
      for (let off = 0; off < d.length; off += 65_537) h.update(d.subarray(off, off + 65_537));
      expect(h.digest()).toBe(want);
    });
  }

  it('copy() forks the state: a rolled-back append leaves the hash as it was', () => {
    const a = bytes(BLOCK_SIZE + 10, 7);
    const h = new ContentHasher().update(a);
    const fork = h.copy();
    fork.update(Buffer.from('more'));
    expect(h.digest()).toBe(contentHash(a));
    expect(fork.digest()).toBe(contentHash(Buffer.concat([a, Buffer.from('more')])));
  });
});
