// upload against the emulator through the real connector.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { uploadTask } from '../../plugins/dropbox/tasks/upload.ts';
import type { FileMetadata } from '../../plugins/dropbox/api/types.ts';
import { localTree, remoteSnapshot, remoteTree, startHarness, type Harness } from './harness.ts';

let h: Harness;
let src: string;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());
beforeEach(async () => {
  src = join(h.dir, `src-${Math.random().toString(36).slice(2)}`);
  await mkdir(src, { recursive: true });
});

async function put(rel: string, content: string | Buffer, mtime?: Date) {
  const p = join(src, ...rel.split('/'));
  await mkdir(join(p, '..'), { recursive: true });
  await writeFile(p, content);
  if (mtime) await utimes(p, mtime, mtime);
  return p;
}

const file = async (path: string) => (await h.client.getMetadata(path)) as FileMetadata | undefined;

describe('upload', () => {
  it('uploads Unicode and space-containing names, keeps sub folders, honours masks and keeps client_modified', async () => {
    const mtime = new Date('2025-06-01T10:20:30Z');
    await put('plain.txt', 'plain', mtime);
    await put('with space & ünïcødé 日本 🎉.txt', 'unicode');
    await put('sub dir/nested.txt', 'nested');
    await put('skip.bin', 'binary');
    const res = await h.run(uploadTask, { from: src, to: '/up/{job}', include: '*.txt', recursive: true });
    expect(res.counts.uploaded).toBe(3);
    expect(res.bytes).toBe(5 + 7 + 6);
    const tree = await remoteTree(h.client, '/up/test-job');
    expect([...tree.keys()].filter((k) => tree.get(k)!['.tag'] === 'file').sort()).toEqual([
      '/up/test-job/plain.txt',
      '/up/test-job/sub dir/nested.txt',
      '/up/test-job/with space & ünïcødé 日本 🎉.txt',
    ]);
    expect((await file('/up/test-job/plain.txt'))!.client_modified).toBe('2025-06-01T10:20:30Z');
    expect(res.actions.every((a) => a.reason)).toBe(true);
  });

  it('skips names Dropbox refuses with a warning and reports case-only clashes before uploading', async () => {
    await put('.DS_Store', 'x');
    await put('~$report.docx', 'x');
    await put('trailing ', 'x');
    await put('A.txt', 'upper');
    await put('a.txt', 'lower');
    await put('ok.txt', 'ok');
    const res = await h.run(uploadTask, { from: src, to: '/refused' });
    expect(res.counts.uploaded).toBe(1);
    expect(res.counts.ignored).toBe(3);
    expect(res.counts.clashes).toBe(2);
    expect(res.warnings.join('\n')).toMatch(/case-only clash/);
    expect(res.warnings.join('\n')).toMatch(/\.DS_Store/);
    expect([...(await remoteTree(h.client, '/refused')).keys()]).toEqual(['/refused/ok.txt']);
  });

  it('overwrite policies: if-different sends only changed files, never keeps, if-newer compares times, always replaces', async () => {
    const old = new Date('2025-01-01T00:00:00Z');
    const same = await put('same.txt', 'same content', old);
    const changed = await put('changed.txt', 'aaaa', old);
    await put('grown.txt', 'short', old);
    await h.run(uploadTask, { from: src, to: '/ow' });
    const before = await remoteSnapshot(h.client, '/ow');

    await writeFile(changed, 'bbbb'); // same size, different content
    await utimes(changed, old, old);
    await put('grown.txt', 'much longer now', old);
    await utimes(same, new Date(), new Date()); // touched, content unchanged
    const r1 = await h.run(uploadTask, { from: src, to: '/ow', overwrite: 'if-different' });
    expect(r1.counts.uploaded).toBe(2);
    expect(r1.actions.find((a) => a.target === '/ow/same.txt')).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/unchanged/),
    });
    expect(r1.actions.find((a) => a.target === '/ow/changed.txt')!.reason).toMatch(/different content/);
    const after = await remoteSnapshot(h.client, '/ow');
    expect(after['/ow/same.txt']).toBe(before['/ow/same.txt']); // not re-uploaded: same rev

    await writeFile(changed, 'cccc');
    await utimes(changed, old, old);
    const r2 = await h.run(uploadTask, { from: src, to: '/ow', overwrite: 'never' });
    expect(r2.counts.uploaded ?? 0).toBe(0);

    // if-newer: changed.txt keeps the old mtime -> not newer; same.txt was touched -> newer.
    const r3 = await h.run(uploadTask, { from: src, to: '/ow', overwrite: 'if-newer' });
    expect(r3.actions.filter((a) => a.action === 'upload').map((a) => a.target)).toEqual(['/ow/same.txt']);

    const r4 = await h.run(uploadTask, { from: src, to: '/ow', overwrite: 'always' });
    expect(r4.counts.uploaded).toBe(3);
    expect((await file('/ow/changed.txt'))!.size).toBe(4);
  });

  it('filters by date and size', async () => {
    await put('old.log', 'x'.repeat(2000), new Date(Date.now() - 10 * 86_400_000));
    await put('new.log', 'x'.repeat(2000));
    await put('tiny.log', 'x');
    const res = await h.run(uploadTask, {
      from: src,
      to: '/filtered',
      newerThan: '7d',
      minSize: '1KB',
      maxSize: '1MiB',
    });
    expect(res.actions.filter((a) => a.action === 'upload').map((a) => a.target)).toEqual(['/filtered/new.log']);
  });

  it('several sources each go to their own sub folder; exclude folders are not entered', async () => {
    await put('one/a.txt', '1');
    await put('two/b.txt', '2');
    await put('two/cache/c.txt', '3');
    const res = await h.run(uploadTask, {
      from: [join(src, 'one'), join(src, 'two')],
      to: '/multi',
      recursive: true,
      excludeFolders: 'cache',
    });
    expect(res.counts.uploaded).toBe(2);
    expect([...(await remoteTree(h.client, '/multi')).keys()].filter((k) => k !== '/multi').sort()).toEqual([
      '/multi/one',
      '/multi/one/a.txt',
      '/multi/two',
      '/multi/two/b.txt',
    ]);
  });

  it('relative sources are relative to baseDir', async () => {
    await put('rel.txt', 'rel');
    const res = await h.run(uploadTask, { from: src.slice(h.dir.length + 1), to: '/relative' });
    expect(res.counts.uploaded).toBe(1);
  });

  it('deleteSource removes local files only after a verified upload', async () => {
    await put('move-me.txt', 'moving');
    await put('stay.txt', 'stays');
    await h.run(uploadTask, { from: src, to: '/moved', include: 'stay.txt' });
    const res = await h.run(uploadTask, { from: src, to: '/moved', deleteSource: true });
    expect(res.counts.deletedSource).toBe(1); // stay.txt was unchanged, so not transferred and kept
    expect(Object.keys(await localTree(src))).toEqual(['stay.txt']);
    expect((await file('/moved/move-me.txt'))!.size).toBe(6);
  });

  it('dry run plans exactly and changes nothing', async () => {
    await put('d1.txt', 'one');
    await put('d2.txt', 'two');
    await h.run(uploadTask, { from: src, to: '/dry', include: 'd1.txt' });
    await writeFile(join(src, 'd1.txt'), 'ONE!');
    const remoteBefore = await remoteSnapshot(h.client);
    const localBefore = await localTree(src);
    const res = await h.run(uploadTask, { from: src, to: '/dry', deleteSource: true }, { dryRun: true });
    expect(res.actions.filter((a) => a.action === 'upload').map((a) => [a.target, a.reason])).toEqual([
      ['/dry/d1.txt', expect.stringMatching(/different size/)],
      ['/dry/d2.txt', `new, from ${join(src, 'd2.txt')}`],
    ]);
    // The CLI prints the reason in parentheses: a reason never ends in its own.
    expect(res.actions.filter((a) => a.action === 'upload' && a.reason?.endsWith(')'))).toEqual([]);
    expect(res.counts.wouldUpload).toBe(2);
    expect(await remoteSnapshot(h.client)).toEqual(remoteBefore);
    expect(await localTree(src)).toEqual(localBefore);
  });

  it('a missing source folder fails the task with its path', async () => {
    await expect(h.run(uploadTask, { from: join(src, 'nope'), to: '/x' })).rejects.toThrow(/nope does not exist/);
  });

  it('a file at the target fails clearly', async () => {
    await put('x.txt', 'x');
    await h.emu.files.put('sandy', '/iam-a-file', 'x');
    await expect(h.run(uploadTask, { from: src, to: '/iam-a-file' })).rejects.toThrow(/is a file/);
  });
});
