import { describe, it, expect } from 'vitest';
import { mkdtemp, readFile, readdir, stat, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../../src/store/atomic.ts';

describe('atomic writes', () => {
  it('creates files 0600 in directories 0700 and leaves no temp file', async () => {
    const base = await mkdtemp(join(tmpdir(), 'dropcron-atomic-'));
    const file = join(base, 'state', 'nested', 'vault.json');
    await writeJsonAtomic(file, { a: 1 });
    expect(JSON.parse(await readFile(file, 'utf8'))).toEqual({ a: 1 });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(base, 'state'))).mode & 0o777).toBe(0o700);
    expect((await stat(join(base, 'state', 'nested'))).mode & 0o777).toBe(0o700);
    expect(await readdir(join(base, 'state', 'nested'))).toEqual(['vault.json']);
  });

  it('replaces content whole and tightens a looser existing file', async () => {
    const base = await mkdtemp(join(tmpdir(), 'dropcron-atomic-'));
    const file = join(base, 'f.txt');
    await writeFile(file, 'old', { mode: 0o644 });
    await writeFileAtomic(file, 'new content');
    expect(await readFile(file, 'utf8')).toBe('new content');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('keeps the old file when the write fails', async () => {
    const base = await mkdtemp(join(tmpdir(), 'dropcron-atomic-'));
    const file = join(base, 'f.txt');
    await writeFileAtomic(file, 'precious');
    // A directory where the file should be makes the final rename fail.
    const blocked = join(base, 'blocked');
    await mkdir(blocked);
    await writeFile(join(blocked, 'x'), 'x');
    await expect(writeFileAtomic(blocked, 'data')).rejects.toThrow();
    expect(await readFile(file, 'utf8')).toBe('precious');
    expect((await readdir(base)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('writes streamed pieces in order, and keeps the old file when the stream fails part-way', async () => {
    const base = await mkdtemp(join(tmpdir(), 'dropcron-atomic-'));
    const file = join(base, 'report.csv');
    // More than one write's worth (256 KiB), so pieces are gathered and flushed.
    const rows = Array.from({ length: 20_000 }, (_, i) => `row ${i},${'x'.repeat(20)}\n`);
    async function* pieces(failAt = Infinity) {
      for (let i = 0; i < rows.length; i++) {
        if (i === failAt) throw new Error('listing failed');
        yield rows[i]!;
      }
    }
    await writeFileAtomic(file, pieces(), 0o644);
    expect(await readFile(file, 'utf8')).toBe(rows.join(''));
    expect((await stat(file)).mode & 0o777).toBe(0o644);
    await expect(writeFileAtomic(file, pieces(15_000))).rejects.toThrow('listing failed');
    expect(await readFile(file, 'utf8')).toBe(rows.join(''));
    expect(await readdir(base)).toEqual(['report.csv']);
  });
});
