// Local files the benches send: incompressible, so no layer can shortcut them.
import { open } from 'node:fs/promises';

const MiB = 1024 * 1024;

/** A file of `size` pseudo-random bytes (incompressible, not all zeros), written in 8 MiB pieces. */
export async function makeFile(path: string, size: number): Promise<void> {
  const fh = await open(path, 'w');
  const piece = Buffer.alloc(8 * MiB);
  let x = 12345;
  for (let i = 0; i < piece.length; i += 4) {
    x = (x * 1103515245 + 12345) >>> 0;
    piece.writeUInt32LE(x, i);
  }
  for (let off = 0; off < size; off += piece.length) {
    piece.writeUInt32LE(off / piece.length, 0); // each piece differs
    await fh.write(piece, 0, Math.min(piece.length, size - off));
  }
  await fh.close();
}

/** `n` files of `size` bytes named f0.bin ... in `dir`, each with different content. */
export async function makeSmallFiles(dir: string, n: number, size: number): Promise<void> {
  const { mkdir, writeFile } = await import('node:fs/promises');
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const b = Buffer.alloc(size, i % 251);
    b.writeUInt32LE(i, 0);
    await writeFile(`${dir}/f${i}.bin`, b);
  }
}
