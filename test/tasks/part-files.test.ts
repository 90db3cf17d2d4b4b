// Part files in the tasks: the download task resumes them and removes the ones no run
// owns when it is done with a folder; the upload task never sends one, whatever the masks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdir, readFile, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadTask } from '../../plugins/dropbox/tasks/download.ts';
import { uploadTask } from '../../plugins/dropbox/tasks/upload.ts';
import type { FileMetadata } from '../../plugins/dropbox/api/types.ts';
import { remoteSnapshot, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 20 } });
});
afterAll(async () => h.close());

const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
const rev = async (path: string) => ((await h.client.getMetadata(path)) as FileMetadata).rev;

async function folder(name: string, files: Record<string, string | Buffer>): Promise<string> {
  const dir = join(h.dir, name);
  await mkdir(join(dir, 'sub'), { recursive: true });
  for (const [rel, content] of Object.entries(files)) await writeFile(join(dir, ...rel.split('/')), content);
  return dir;
}

describe('part files in the download task', () => {
  it("resumes a killed run's part of the listed rev with a Range request", async () => {
    const data = Buffer.alloc(600_000, 'abcdefgh');
    await h.emu.files.put('sandy', '/resume/big.bin', data);
    const r = await rev('/resume/big.bin');
    const dir = await folder('resume-dl', {
      [`.big.bin.${r}.${deadPid()}-1.dropcron-part`]: data.subarray(0, 250_000),
    });
    const n = h.emu.requests.length;
    const res = await h.run(downloadTask, { from: '/resume', to: dir });
    expect(res.counts.downloaded).toBe(1);
    expect((await readFile(join(dir, 'big.bin'))).equals(data)).toBe(true);
    const dl = h.emu.requests.slice(n).filter((q) => q.route === 'files/download');
    expect(dl.map((q) => [q.headers.range, q.bytesOut])).toEqual([['bytes=250000-', 350_000]]);
  });

  it('removes the parts no run owns when it is done with the folder, and only those', async () => {
    await h.emu.files.put('sandy', '/orphans/kept.txt', 'kept v1');
    const oldRev = await rev('/orphans/kept.txt');
    await h.emu.files.put('sandy', '/orphans/kept.txt', 'kept v2');
    await h.emu.files.put('sandy', '/orphans/sub/deep.txt', 'deep');
    const dead = deadPid();
    const live = `.busy.txt.0123456789ab.${process.ppid}-1.dropcron-part`;
    const legacy = '.old.bin.1a2b3c4d.dropcron-part';
    const dir = await folder('orphans-dl', {
      [`.kept.txt.${oldRev}.${dead}-1.dropcron-part`]: 'kept', // a rev Dropbox no longer has
      [`.gone.txt.0123456789ab.${dead}-2.dropcron-part`]: 'gone', // a file gone from Dropbox
      [`sub/.gone.txt.0123456789ab.${dead}-3.dropcron-part`]: 'gone',
      [live]: 'another process writes this now',
      [legacy]: 'from an older dropcron',
      '.hidden': 'a file of the user',
    });
    await utimes(join(dir, legacy), new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
    // A dry run changes nothing.
    const dry = await h.run(downloadTask, { from: '/orphans', to: dir, recursive: true }, { dryRun: true });
    expect(dry.actions.filter((a) => a.action === 'delete-local')).toEqual([]);
    expect((await readdir(dir)).length).toBe(6);

    const res = await h.run(downloadTask, { from: '/orphans', to: dir, recursive: true });
    expect(res.counts.downloaded).toBe(2);
    // The part of kept.txt's old rev went when its download began; the other three at the end.
    expect(res.counts.partFilesRemoved).toBe(3);
    expect((await readdir(dir)).sort()).toEqual(['.hidden', live, 'kept.txt', 'sub'].sort());
    expect(await readdir(join(dir, 'sub'))).toEqual(['deep.txt']);
  });

  it('keeps the part of a file whose download failed, for the next run to resume', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024, 'xyz');
    await h.emu.files.put('sandy', '/failing/f.bin', data);
    const dir = await folder('failing-dl', {});
    h.emu.faults.inject({ route: 'files/download', times: 100, fault: { dropAfterBytes: 100_000 } });
    const err = await h.run(downloadTask, { from: '/failing', to: dir }).catch((e: Error) => e);
    h.emu.faults.clear();
    expect(String(err)).toContain('1 item failed: /failing/f.bin');
    const r = await rev('/failing/f.bin');
    expect((await readdir(dir)).filter((f) => f !== 'sub')).toEqual([
      expect.stringMatching(new RegExp(`^\\.f\\.bin\\.${r}\\.\\d+-\\d+\\.dropcron-part$`)),
    ]);
  });
});

describe('part files in the upload task', () => {
  it('never uploads or lists a part file, even when the masks match it', async () => {
    const part = `.doc.txt.0123456789ab.${deadPid()}-1.dropcron-part`;
    const src = await folder('up-src', { 'doc.txt': 'doc', [part]: 'half a download', [`sub/${part}`]: 'half' });
    const opts = { from: src, to: '/up-parts', include: ['*', '.*'], recursive: true };
    const dry = await h.run(uploadTask, opts, { dryRun: true });
    expect(dry.actions.map((a) => a.target)).toEqual(['/up-parts/doc.txt']);
    const res = await h.run(uploadTask, opts);
    expect(res.counts.uploaded).toBe(1);
    expect(Object.keys(await remoteSnapshot(h.client, '/up-parts'))).toEqual(['/up-parts/doc.txt']);
  });
});
