// Part files across calls: a download cut short (cancelled, or its process killed)
// leaves its bytes in a part file named after the rev; the next download of that rev
// resumes with a Range request, and a part of another rev is thrown away.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { contentHash } from '../../plugins/dropbox/api/content-hash.ts';
import type { FileMetadata } from '../../plugins/dropbox/api/types.ts';
import { emulatorForFile, makeClient, pattern } from './helpers.ts';

const MiB = 1024 * 1024;
const env = emulatorForFile();

/** The pid of a process that has exited: what a `kill -9`ed run leaves in its part's name. */
const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
const parts = async (dir: string) => (await readdir(dir)).filter((f) => f.endsWith('.dropcron-part'));
const downloads = (from: number) => env.emu.requests.slice(from).filter((r) => r.route === 'files/download');

async function putFile(path: string, data: Buffer): Promise<FileMetadata> {
  await env.emu.files.put('sandy', path, data);
  const { client } = makeClient(env.emu);
  return (await client.getMetadata(path)) as FileMetadata;
}

describe('part files', () => {
  it('a cancelled download keeps its part, and the next one resumes it with Range', async () => {
    const { client } = makeClient(env.emu);
    const data = pattern(3 * MiB, 11);
    const md = await putFile('/parts/cut.bin', data);
    const dir = join(env.tmp.dir, 'cut');
    await mkdir(dir);
    const target = join(dir, 'cut.bin');
    env.emu.faults.set({ bandwidthBytesPerSec: 2 * MiB });
    const ac = new AbortController();
    const err = await client
      .download('/parts/cut.bin', target, {
        rev: md.rev,
        signal: ac.signal,
        onProgress: (d) => {
          if (d >= MiB / 2) ac.abort(new Error('job cancelled'));
        },
      })
      .catch((e) => e);
    env.emu.faults.set({ bandwidthBytesPerSec: 0 });
    expect(err.message).toBe('job cancelled');
    const left = await parts(dir);
    expect(left).toEqual([
      expect.stringMatching(new RegExp(`^\\.cut\\.bin\\.${md.rev}\\.${process.pid}-\\d+\\.dropcron-part$`)),
    ]);
    const kept = (await readFile(join(dir, left[0]!))).length;
    expect(kept).toBeGreaterThan(0);

    const n = env.emu.requests.length;
    const got = await client.download('/parts/cut.bin', target, { rev: md.rev });
    expect(got.content_hash).toBe(contentHash(data));
    expect((await readFile(target)).equals(data)).toBe(true);
    const dl = downloads(n);
    expect(dl.length).toBe(1);
    expect(dl[0]!.headers.range).toBe(`bytes=${kept}-`);
    expect(dl[0]!.bytesOut).toBe(data.length - kept);
    expect(await parts(dir)).toEqual([]);
  });

  it("resumes a killed run's part (its process gone), hashing the bytes on disk with the rest", async () => {
    const { client } = makeClient(env.emu);
    const data = pattern(2 * MiB + 123, 12);
    const md = await putFile('/parts/killed.bin', data);
    const dir = join(env.tmp.dir, 'killed');
    await mkdir(dir);
    const prefix = 1_300_000;
    await writeFile(join(dir, `.killed.bin.${md.rev}.${deadPid()}-1.dropcron-part`), data.subarray(0, prefix));
    const n = env.emu.requests.length;
    await client.download('/parts/killed.bin', join(dir, 'killed.bin'), { rev: md.rev });
    expect((await readFile(join(dir, 'killed.bin'))).equals(data)).toBe(true);
    const dl = downloads(n);
    expect(dl.map((r) => r.headers.range)).toEqual([`bytes=${prefix}-`]);
    expect(dl[0]!.bytesOut).toBe(data.length - prefix);
    expect(await parts(dir)).toEqual([]);
  });

  it('a part with wrong bytes fails the hash check and is removed, not renamed over the target', async () => {
    const { client } = makeClient(env.emu);
    const data = pattern(MiB, 13);
    const md = await putFile('/parts/bad.bin', data);
    const dir = join(env.tmp.dir, 'bad');
    await mkdir(dir);
    await writeFile(join(dir, `.bad.bin.${md.rev}.${deadPid()}-1.dropcron-part`), Buffer.alloc(4096, 7));
    const err = await client.download('/parts/bad.bin', join(dir, 'bad.bin'), { rev: md.rev }).catch((e) => e);
    expect(err.message).toContain('content_hash');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a part of another rev is removed and the download starts from the first byte', async () => {
    const { client } = makeClient(env.emu);
    const old = pattern(MiB, 14);
    const v1 = await putFile('/parts/changed.bin', old);
    const fresh = pattern(MiB + 5, 15);
    const v2 = await putFile('/parts/changed.bin', fresh);
    const dir = join(env.tmp.dir, 'changed');
    await mkdir(dir);
    // Listed as v2 while a part of v1 waits: removed before any request.
    await writeFile(join(dir, `.changed.bin.${v1.rev}.${deadPid()}-1.dropcron-part`), old.subarray(0, 5000));
    let n = env.emu.requests.length;
    await client.download('/parts/changed.bin', join(dir, 'changed.bin'), { rev: v2.rev });
    expect((await readFile(join(dir, 'changed.bin'))).equals(fresh)).toBe(true);
    expect(downloads(n).map((r) => r.headers.range)).toEqual([undefined]);
    expect(await parts(dir)).toEqual([]);

    // Listed as v1, but Dropbox now serves v2: the Range answer names v2, so start over.
    await writeFile(join(dir, `.changed.bin.${v1.rev}.${deadPid()}-1.dropcron-part`), old.subarray(0, 5000));
    n = env.emu.requests.length;
    await writeFile(join(dir, 'changed.bin'), 'stale local copy');
    const got = await client.download('/parts/changed.bin', join(dir, 'changed.bin'), { rev: v1.rev });
    expect(got.rev).toBe(v2.rev);
    expect((await readFile(join(dir, 'changed.bin'))).equals(fresh)).toBe(true);
    expect(downloads(n).map((r) => r.headers.range)).toEqual(['bytes=5000-', undefined]);
    expect(await parts(dir)).toEqual([]);
  });

  it("leaves a part alone while its process lives, and never resumes another process's part", async () => {
    const { client } = makeClient(env.emu);
    const data = pattern(100_000, 16);
    const md = await putFile('/parts/live.bin', data);
    const dir = join(env.tmp.dir, 'live');
    await mkdir(dir);
    const live = `.live.bin.${md.rev}.${process.ppid}-1.dropcron-part`;
    await writeFile(join(dir, live), 'not ours');
    const n = env.emu.requests.length;
    await client.download('/parts/live.bin', join(dir, 'live.bin'), { rev: md.rev });
    expect((await readFile(join(dir, 'live.bin'))).equals(data)).toBe(true);
    expect(downloads(n).map((r) => r.headers.range)).toEqual([undefined]);
    expect(await parts(dir)).toEqual([live]);
  });
});
