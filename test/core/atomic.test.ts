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
});
