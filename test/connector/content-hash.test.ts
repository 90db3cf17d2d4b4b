// content_hash: the published empty vector, block boundaries, and agreement with an
// independent implementation (Python's hashlib in a child process). The published
// NASA-image vector (9,711,423 B -> 485291fa...) cannot be checked here: the image
// is not available offline, so the same algorithm is cross-checked instead.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import {
  BLOCK_SIZE,
  ContentHasher,
  contentHash,
  hashFileRegion,
  combineBlockDigests,
} from '../../plugins/dropbox/api/content-hash.ts';

const PY = `
import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], 'rb') as f:
    while True:
        b = f.read(4194304)
        if not b: break
        h.update(hashlib.sha256(b).digest())
print(h.hexdigest())
`;

function pattern(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropcron-hash-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('content_hash', () => {
  it('matches the published empty-file vector', () => {
    expect(contentHash(Buffer.alloc(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('one short block is sha256(sha256(data))', () => {
    const d = Buffer.from('hello');
    const inner = createHash('sha256').update(d).digest();
    expect(contentHash(d)).toBe(createHash('sha256').update(inner).digest('hex'));
  });

  it.each([1, BLOCK_SIZE - 1, BLOCK_SIZE, BLOCK_SIZE + 1, 2 * BLOCK_SIZE, 2 * BLOCK_SIZE + 7])(
    'agrees with an independent implementation at %i bytes, however the bytes are fed',
    async (n) => {
      const data = pattern(n, n);
      const file = join(dir, `f${n}`);
      await writeFile(file, data);
      const expected = execFileSync('python3', ['-c', PY, file], { encoding: 'utf8' }).trim();
      expect(contentHash(data)).toBe(expected);
      const h = new ContentHasher();
      for (let off = 0; off < n; off += 999_983) h.update(data.subarray(off, off + 999_983));
      expect(h.digest()).toBe(expected);
      expect((await hashFileRegion(file, 0, n)).digest()).toBe(expected);
    },
  );

  it('combines block digests of separately hashed 4 MiB-aligned chunks', async () => {
    const n = 3 * BLOCK_SIZE + 5;
    const data = pattern(n, 3);
    const file = join(dir, 'chunks');
    await writeFile(file, data);
    const a = await hashFileRegion(file, 0, 2 * BLOCK_SIZE);
    const b = await hashFileRegion(file, 2 * BLOCK_SIZE, n - 2 * BLOCK_SIZE);
    expect(combineBlockDigests([...a.blockDigests(), ...b.blockDigests()])).toBe(contentHash(data));
    expect(combineBlockDigests([...b.blockDigests(), ...a.blockDigests()])).not.toBe(contentHash(data));
  });
});
