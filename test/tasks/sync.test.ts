// sync (one-way mirror, up and down) against the emulator through the real connector.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { syncTask } from '../../plugins/dropbox/tasks/sync.ts';
import { localTree, remoteSnapshot, remoteTree, startHarness, text, type Harness } from './harness.ts';

let h: Harness;
let local: string;
let remote: string;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());
beforeEach(async () => {
  const id = Math.random().toString(36).slice(2);
  local = join(h.dir, `local-${id}`);
  remote = `/mirror-${id}`;
  await mkdir(local, { recursive: true });
});

async function put(rel: string, content: string, mtime?: Date) {
  const p = join(local, ...rel.split('/'));
  await mkdir(join(p, '..'), { recursive: true });
  await writeFile(p, content);
  if (mtime) await utimes(p, mtime, mtime);
  return p;
}

/** Bytes the sandbox received and sent, and the transfer calls it served, since `mark`. */
function traffic(mark: number) {
  const reqs = h.emu.requests.slice(mark);
  return {
    bytesIn: reqs.reduce((n, q) => n + q.bytesIn, 0),
    uploads: reqs.filter((q) => q.route.includes('upload')).length,
    downloads: reqs.filter((q) => q.route === 'files/download').length,
    deletes: reqs.filter((q) => q.route.includes('delete') || q.route.includes('move')).length,
    listings: reqs.filter((q) => q.route === 'files/list_folder').length,
  };
}

describe('sync up', () => {
  it('mirrors, then a second run transfers nothing; a changed file goes, a touched one does not', async () => {
    const old = new Date('2025-01-01T00:00:00Z');
    await put('a.txt', 'alpha', old);
    const touched = await put('sub/b.txt', 'bravo', old);
    const changed = await put('c.txt', 'cccc', old);
    const first = await h.run(syncTask, { direction: 'up', local, remote, recursive: true });
    expect(first.counts.uploaded).toBe(3);
    const files = [...(await remoteTree(h.client, remote)).entries()].filter(([, m]) => m['.tag'] === 'file');
    expect(files.map(([p]) => p).sort()).toEqual([`${remote}/a.txt`, `${remote}/c.txt`, `${remote}/sub/b.txt`]);

    let mark = h.emu.requests.length;
    const second = await h.run(syncTask, { direction: 'up', local, remote, recursive: true });
    expect(second.counts.uploaded).toBeUndefined();
    expect(second.counts.skipped).toBe(3);
    expect(traffic(mark)).toMatchObject({ uploads: 0, deletes: 0 });

    await utimes(touched, new Date(), new Date()); // new mtime, same content
    await writeFile(changed, 'CCCC'); // same size and mtime, other content
    await utimes(changed, old, old);
    mark = h.emu.requests.length;
    const third = await h.run(syncTask, { direction: 'up', local, remote, recursive: true });
    expect(third.counts.uploaded).toBe(1);
    expect(third.actions.find((a) => a.target === `${remote}/c.txt`)?.action).toBe('upload');
    expect(third.actions.find((a) => a.target === `${remote}/sub/b.txt`)).toMatchObject({
      action: 'skip',
      reason: 'unchanged: same size and content hash',
    });
    expect(traffic(mark).bytesIn).toBeLessThan(1000); // 4 bytes of content plus request arguments
    expect(await h.emu.files.get('sandy', `${remote}/c.txt`)).toBeDefined();
  });

  it('leaves extraneous files alone by default, deletes them with deleteExtraneous, the guard trips first', async () => {
    for (let i = 0; i < 4; i++) await put(`keep${i}.txt`, `k${i}`);
    await h.run(syncTask, { direction: 'up', local, remote });
    for (let i = 0; i < 3; i++) await h.emu.files.put('sandy', `${remote}/extra${i}.txt`, 'x');
    await h.emu.files.put('sandy', `${remote}/other.bin`, 'not matched by the include mask');

    const kept = await h.run(syncTask, { direction: 'up', local, remote, include: '*.txt' });
    expect(kept.counts.extraneous).toBe(3);
    expect(kept.actions.filter((a) => a.action === 'keep').map((a) => a.target)).toEqual([
      `${remote}/extra0.txt`,
      `${remote}/extra1.txt`,
      `${remote}/extra2.txt`,
    ]);

    const before = await remoteSnapshot(h.client, remote);
    const opts = { direction: 'up', local, remote, include: '*.txt', deleteExtraneous: true } as const;
    await expect(h.run(syncTask, { ...opts, maxDelete: 2 })).rejects.toThrow(/more than maxDelete \(2\)/);
    // 3 of the 7 matching files is 43%: above a 40% share.
    await expect(h.run(syncTask, { ...opts, maxDeleteShare: 40 })).rejects.toThrow(
      /would delete 3 of the 7 entries.*more than maxDeleteShare \(40%\)/,
    );
    expect(await remoteSnapshot(h.client, remote)).toEqual(before);

    const done = await h.run(syncTask, opts);
    expect(done.counts.deleted).toBe(3);
    expect(Object.keys(await remoteSnapshot(h.client, remote)).sort()).toEqual([
      `${remote}/keep0.txt`,
      `${remote}/keep1.txt`,
      `${remote}/keep2.txt`,
      `${remote}/keep3.txt`,
      `${remote}/other.bin`,
    ]);
  });

  it('moves extraneous files to a Dropbox backupDir instead, keeping their paths', async () => {
    await put('a.txt', 'a');
    await put('b.txt', 'b');
    await put('c.txt', 'c');
    await h.run(syncTask, { direction: 'up', local, remote });
    await h.emu.files.put('sandy', `${remote}/gone.txt`, 'old version');
    const res = await h.run(syncTask, {
      direction: 'up',
      local,
      remote,
      deleteExtraneous: true,
      backupDir: `${remote}-old/{job}`,
    });
    expect(res.counts.backedUp).toBe(1);
    expect(await h.client.getMetadata(`${remote}/gone.txt`)).toBeUndefined();
    expect(await h.client.getMetadata(`${remote}-old/test-job/gone.txt`)).toMatchObject({ size: 11 });
    await expect(
      h.run(syncTask, { direction: 'up', local, remote, deleteExtraneous: true, backupDir: `${remote}/old` }),
    ).rejects.toThrow(/inside the synced folder/);
  });

  it('dry run lists every decision and changes nothing', async () => {
    const old = new Date('2025-01-01T00:00:00Z');
    await put('same.txt', 'same', old);
    await put('big.txt', 'short', old);
    for (let i = 0; i < 3; i++) await put(`pad${i}.txt`, 'p');
    await h.run(syncTask, { direction: 'up', local, remote });
    await put('big.txt', 'now longer');
    await put('new.txt', 'new');
    await h.emu.files.put('sandy', `${remote}/extra.txt`, 'x');
    const before = await remoteSnapshot(h.client, remote);
    const mark = h.emu.requests.length;
    const dry = await h.run(syncTask, { direction: 'up', local, remote, deleteExtraneous: true }, { dryRun: true });
    expect(traffic(mark)).toMatchObject({ uploads: 0, deletes: 0 });
    expect(await remoteSnapshot(h.client, remote)).toEqual(before);
    const by = Object.fromEntries(dry.actions.map((a) => [a.target.replace(remote + '/', ''), a]));
    expect(by['same.txt']).toMatchObject({ action: 'skip', reason: 'unchanged: same size and content hash' });
    expect(by['big.txt']).toMatchObject({ action: 'upload', reason: expect.stringMatching(/different size/) });
    expect(by['new.txt']).toMatchObject({ action: 'upload', reason: expect.stringMatching(/^new/) });
    expect(by['extra.txt']).toMatchObject({ action: 'delete', reason: expect.stringMatching(/not in the source/) });
    expect(dry.counts).toMatchObject({ wouldUpload: 2, wouldDelete: 1 });
  });
  it('lists the Dropbox folder once per run, for the transfers and the extraneous files alike', async () => {
    await put('a.txt', 'a');
    await put('sub/b.txt', 'b');
    await h.emu.files.put('sandy', `${remote}/sub/extra.txt`, 'x');
    const mark = h.emu.requests.length;
    const res = await h.run(syncTask, { direction: 'up', local, remote, recursive: true, deleteExtraneous: true });
    expect(res.counts).toMatchObject({ uploaded: 2, deleted: 1 });
    expect(traffic(mark).listings).toBe(1);
  });

  it('removes folders emptied of extraneous files, counted apart from maxDelete', async () => {
    await put('keep.txt', 'k');
    await put('kept/k.txt', 'k');
    await h.run(syncTask, { direction: 'up', local, remote, recursive: true });
    await h.emu.files.put('sandy', `${remote}/gone/a.txt`, 'a');
    await h.emu.files.put('sandy', `${remote}/gone/deep/b.txt`, 'b');
    await h.emu.files.put('sandy', `${remote}/kept/stray.txt`, 's');
    // 3 files of 5: under a 70% share; with the 2 folders it would be 5 of 7, above maxDelete 3.
    const opts = {
      direction: 'up',
      local,
      remote,
      recursive: true,
      deleteExtraneous: true,
      maxDelete: 3,
      maxDeleteShare: 70,
    } as const;
    const before = await remoteSnapshot(h.client, remote);
    const dry = await h.run(syncTask, opts, { dryRun: true });
    expect(await remoteSnapshot(h.client, remote)).toEqual(before);
    expect(dry.counts).toMatchObject({ wouldDelete: 3, wouldDeleteFolders: 2 });
    expect(dry.actions.filter((a) => a.action === 'delete' && a.reason?.startsWith('emptied'))).toEqual([
      expect.objectContaining({ target: `${remote}/gone/deep` }),
      expect.objectContaining({ target: `${remote}/gone` }),
    ]);

    const res = await h.run(syncTask, opts);
    expect(res.counts).toMatchObject({ deleted: 3, deletedFolders: 2 });
    expect([...(await remoteTree(h.client, remote)).keys()].sort()).toEqual([
      `${remote}/keep.txt`,
      `${remote}/kept`,
      `${remote}/kept/k.txt`,
    ]);
  });

  it('interrupted half-way removes nothing, and the next run finishes the mirror', async () => {
    for (let i = 0; i < 20; i++) await put(`f${String(i).padStart(2, '0')}.bin`, `content ${i} `.repeat(500));
    await h.emu.files.put('sandy', `${remote}/extra.txt`, 'x');
    const opts = { direction: 'up', local, remote, deleteExtraneous: true } as const;
    const stop = new AbortController();
    // Aborted once the first bytes move: the transfers are under way, the removals not reached.
    await expect(h.run(syncTask, opts, { signal: stop.signal, progress: () => stop.abort() })).rejects.toThrow();
    expect(await h.client.getMetadata(`${remote}/extra.txt`)).toBeDefined();

    const next = await h.run(syncTask, opts);
    expect(next.counts.deleted).toBe(1);
    const files = await remoteTree(h.client, remote);
    expect([...files.keys()].filter((p) => p.endsWith('.bin'))).toHaveLength(20);
    const mark = h.emu.requests.length;
    const again = await h.run(syncTask, opts);
    expect(again.counts.uploaded).toBeUndefined();
    expect(traffic(mark)).toMatchObject({ uploads: 0, deletes: 0 });
  });
});

describe('sync down', () => {
  it('mirrors Dropbox locally, a second run downloads nothing, extraneous local files go to backupDir', async () => {
    await h.emu.files.put('sandy', `${remote}/one.txt`, 'one');
    await h.emu.files.put('sandy', `${remote}/deep/two.txt`, 'two');
    await h.emu.files.put('sandy', `${remote}/deep/three.txt`, 'three');
    const first = await h.run(syncTask, { direction: 'down', local, remote, recursive: true });
    expect(first.counts.downloaded).toBe(3);
    expect(Object.keys(await localTree(local)).sort()).toEqual(['deep/three.txt', 'deep/two.txt', 'one.txt']);

    await utimes(join(local, 'one.txt'), new Date(), new Date()); // touched locally: still the same content
    let mark = h.emu.requests.length;
    const second = await h.run(syncTask, { direction: 'down', local, remote, recursive: true });
    expect(second.counts.downloaded).toBeUndefined();
    expect(traffic(mark).downloads).toBe(0);

    await h.emu.files.put('sandy', `${remote}/deep/two.txt`, 'TWO');
    await writeFile(join(local, 'deep', 'stray.txt'), 'stray');
    const backupDir = join(h.dir, `backup-${remote.slice(1)}`);
    mark = h.emu.requests.length;
    const third = await h.run(syncTask, {
      direction: 'down',
      local,
      remote,
      recursive: true,
      deleteExtraneous: true,
      backupDir,
    });
    expect(third.counts).toMatchObject({ downloaded: 1, backedUp: 1 });
    expect(traffic(mark).downloads).toBe(1);
    expect(await text(join(local, 'deep', 'two.txt'))).toBe('TWO');
    expect(await text(join(backupDir, 'deep', 'stray.txt'))).toBe('stray');
    expect(Object.keys(await localTree(local)).sort()).toEqual(['deep/three.txt', 'deep/two.txt', 'one.txt']);

    // A second stray of the same name is backed up beside the first, never over it.
    await writeFile(join(local, 'deep', 'stray.txt'), 'stray again');
    await h.run(syncTask, { direction: 'down', local, remote, recursive: true, deleteExtraneous: true, backupDir });
    expect(await text(join(backupDir, 'deep', 'stray.txt'))).toBe('stray');
    expect(await text(join(backupDir, 'deep', 'stray (1).txt'))).toBe('stray again');
  });

  it('deletes extraneous local files only under the guard, and never when Dropbox has nothing', async () => {
    await h.emu.files.put('sandy', `${remote}/a.txt`, 'a');
    await h.emu.files.put('sandy', `${remote}/b.txt`, 'b');
    await h.emu.files.put('sandy', `${remote}/c.txt`, 'c');
    await put('stray.txt', 'stray');
    const res = await h.run(syncTask, { direction: 'down', local, remote, deleteExtraneous: true });
    expect(res.counts).toMatchObject({ downloaded: 3, deleted: 1 });
    expect(Object.keys(await localTree(local)).sort()).toEqual(['a.txt', 'b.txt', 'c.txt']);

    // The wrong (empty) Dropbox folder would remove the whole mirror: the share guard refuses.
    await expect(
      h.run(syncTask, { direction: 'down', local, remote: `${remote}-missing`, deleteExtraneous: true }),
    ).rejects.toThrow(/would delete 3 of the 3 entries/);
    expect(Object.keys(await localTree(local)).sort()).toEqual(['a.txt', 'b.txt', 'c.txt']);
  });

  it('lists the Dropbox folder once per run', async () => {
    await h.emu.files.put('sandy', `${remote}/one.txt`, 'one');
    await h.emu.files.put('sandy', `${remote}/deep/two.txt`, 'two');
    await put('stray.txt', 'stray');
    const mark = h.emu.requests.length;
    const res = await h.run(syncTask, { direction: 'down', local, remote, recursive: true, deleteExtraneous: true });
    expect(res.counts).toMatchObject({ downloaded: 2, deleted: 1 });
    expect(traffic(mark).listings).toBe(1);
  });

  it('removes local folders emptied of extraneous files, keeps those with anything else', async () => {
    await h.emu.files.put('sandy', `${remote}/keep.txt`, 'k');
    await h.emu.files.put('sandy', `${remote}/kept/k.txt`, 'k');
    await put('gone/a.txt', 'a');
    await put('gone/deep/b.txt', 'b');
    await put('kept/stray.txt', 's');
    await put('other/note.md', 'not matched by the include mask');
    await put('other/old.txt', 'o');
    const opts = {
      direction: 'down',
      local,
      remote,
      recursive: true,
      include: '*.txt',
      deleteExtraneous: true,
    } as const;
    // Before the downloads the 4 strays are all of the target: a share guard of 100%.
    const dry = await h.run(syncTask, { ...opts, maxDelete: 4, maxDeleteShare: 100 }, { dryRun: true });
    expect(dry.counts).toMatchObject({ wouldDelete: 4, wouldDeleteFolders: 2 });
    expect((await readdir(local)).sort()).toEqual(['gone', 'kept', 'other']);

    const res = await h.run(syncTask, { ...opts, maxDelete: 4, maxDeleteShare: 100 });
    expect(res.counts).toMatchObject({ downloaded: 2, deleted: 4, deletedFolders: 2 });
    expect((await readdir(local)).sort()).toEqual(['keep.txt', 'kept', 'other']);
    expect(Object.keys(await localTree(local)).sort()).toEqual(['keep.txt', 'kept/k.txt', 'other/note.md']);
  });
});
