// delete (retention, guards, failed listings) and create-folder against the emulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteTask, type DeleteOptions } from '../../plugins/dropbox/tasks/delete.ts';
import { listTask, type DropboxEntriesOutput } from '../../plugins/dropbox/tasks/list.ts';
import { createFolderTask } from '../../plugins/dropbox/tasks/create-folder.ts';
import { remoteSnapshot, remoteTree, startHarness, type Harness } from './harness.ts';

let h: Harness;
const day = 86_400_000;
beforeAll(async () => {
  // Injected 503s are retried by the connector; a short backoff keeps these tests quick.
  h = await startHarness({ retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 } });
});
afterAll(async () => h.close());

const names = async (folder: string) =>
  [...(await remoteTree(h.client, folder)).keys()]
    .map((k) => k.slice(folder.length + 1))
    .filter((k) => !k.includes('/'))
    .sort();

/** Ten dated backup folders, day 0 (newest) .. day 45, each holding one file modified that day. */
async function seedBackups(root: string) {
  const days = [0, 1, 2, 5, 10, 20, 31, 32, 40, 45];
  for (const d of days) {
    const stamp = new Date(Date.now() - d * day);
    await h.emu.files.put('sandy', `${root}/b-${String(d).padStart(2, '0')}/db.sql`, `backup ${d}`, {
      clientModified: stamp,
    });
  }
  return days;
}

describe('delete', () => {
  it('retention by age deletes dated folders older than the limit', async () => {
    await seedBackups('/age');
    const res = await h.run(deleteTask, { path: '/age', type: 'folders', olderThan: '30d', dateField: 'modified' });
    expect(res.counts.deleted).toBe(4);
    expect(await names('/age')).toEqual(['b-00', 'b-01', 'b-02', 'b-05', 'b-10', 'b-20']);
  });

  it('retention by count keeps the N newest', async () => {
    await seedBackups('/count');
    const res = await h.run(deleteTask, { path: '/count', type: 'folders', keepLast: 3, dateField: 'modified' });
    expect(res.counts).toMatchObject({ deleted: 7, kept: 3 });
    expect(await names('/count')).toEqual(['b-00', 'b-01', 'b-02']);
  });

  it('olderThan with keepLast never leaves fewer than keepLast', async () => {
    for (const d of [40, 50, 60])
      await h.emu.files.put('sandy', `/few/old-${d}.zip`, 'z', { clientModified: new Date(Date.now() - d * day) });
    const res = await h.run(deleteTask, { path: '/few', olderThan: '30d', keepLast: 2, dateField: 'modified' });
    expect(res.counts.deleted).toBe(1);
    expect(await names('/few')).toEqual(['old-40.zip', 'old-50.zip']);
  });

  it('by upload time (the default): a run 40 days later removes what was uploaded today', async () => {
    await h.emu.files.put('sandy', '/uploaded/a.txt', 'a', { clientModified: new Date('2001-01-01T00:00:00Z') });
    const now = await h.run(deleteTask, { path: '/uploaded', olderThan: '30d' });
    expect(now.counts.deleted ?? 0).toBe(0); // old client_modified does not matter
    const later = await h.run(
      deleteTask,
      { path: '/uploaded', olderThan: '30d' },
      { now: new Date(Date.now() + 40 * day) },
    );
    expect(later.counts.deleted).toBe(1);
  });

  it('dry run lists exactly what would go and changes nothing', async () => {
    await seedBackups('/dry');
    const before = await remoteSnapshot(h.client);
    const dry = await h.run(
      deleteTask,
      { path: '/dry', type: 'folders', olderThan: '30d', keepLast: 7, dateField: 'modified' },
      { dryRun: true },
    );
    // keepLast 7 keeps days 0..31; of the rest, all are older than 30 days.
    expect(dry.actions.filter((a) => a.action === 'delete').map((a) => a.target)).toEqual([
      '/dry/b-32',
      '/dry/b-40',
      '/dry/b-45',
    ]);
    expect(dry.actions.filter((a) => a.action === 'keep')).toHaveLength(7);
    expect(await remoteSnapshot(h.client)).toEqual(before);
    const real = await h.run(deleteTask, {
      path: '/dry',
      type: 'folders',
      olderThan: '30d',
      keepLast: 7,
      dateField: 'modified',
    });
    expect(real.actions.filter((a) => a.action === 'delete').map((a) => a.target)).toEqual([
      '/dry/b-32',
      '/dry/b-40',
      '/dry/b-45',
    ]);
    expect(await names('/dry')).toHaveLength(7);
  });

  it('masks and the previous task: delete what a list found', async () => {
    for (const n of ['a.tmp', 'b.tmp', 'keep.txt']) await h.emu.files.put('sandy', `/prev/${n}`, n);
    const list = await h.run(listTask, { path: '/prev', include: '*.tmp' });
    const res = await h.run(deleteTask, { path: 'previous' }, { input: list.output });
    expect(res.counts.deleted).toBe(2);
    expect(await names('/prev')).toEqual(['keep.txt']);
  });

  it('previous: an entry whose path Dropbox could not have sent is skipped, as in a listing', async () => {
    for (const n of ['a.tmp', 'keep.txt']) await h.emu.files.put('sandy', `/prev2/${n}`, n);
    const list = await h.run(listTask, { path: '/prev2', include: '*.tmp' });
    const output = list.output as DropboxEntriesOutput;
    const real = output.items[0]!;
    const forged = { ...real, path_display: '/prev2/../keep.txt', path_lower: '/prev2/../keep.txt', name: 'keep.txt' };
    const res = await h.run(deleteTask, { path: 'previous' }, { input: { ...output, items: [real, forged] } });
    expect(res.counts).toMatchObject({ deleted: 1, unsafe: 1 });
    expect(res.warnings).toEqual([expect.stringMatching(/^skipped "\/prev2\/\.\.\/keep\.txt": its path has/)]);
    expect(await names('/prev2')).toEqual(['keep.txt']);
  });

  it('maxDelete stops a run that would delete more, deleting nothing', async () => {
    for (let i = 0; i < 12; i++) await h.emu.files.put('sandy', `/guard/f${i}.txt`, 'x');
    const before = await remoteSnapshot(h.client, '/guard');
    await expect(h.run(deleteTask, { path: '/guard', maxDelete: 10 })).rejects.toThrow(
      /would delete 12 entries, more than maxDelete \(10\); nothing was deleted/,
    );
    expect(await remoteSnapshot(h.client, '/guard')).toEqual(before);
    const dry = await h.run(deleteTask, { path: '/guard', maxDelete: 10 }, { dryRun: true });
    expect(dry.warnings.join()).toMatch(/a real run would stop here/);
    const ok = await h.run(deleteTask, { path: '/guard', maxDelete: 12 });
    expect(ok.counts.deleted).toBe(12);
  });

  it('refuses the connection root', async () => {
    expect(deleteTask.check!({ path: '/' } as DeleteOptions)[0]![1]).toMatch(/refuses the root/);
    await expect(h.run(deleteTask, { path: '/' })).rejects.toThrow(/refuses the root/);
    await expect(h.run(deleteTask, { path: '/{nothing}'.replace('{nothing}', '') })).rejects.toThrow(
      /refuses the root/,
    );
  });

  it('a listing that breaks off is never "nothing there": the task fails and deletes nothing', async () => {
    // More entries than one page (2,000), so the listing needs list_folder/continue, which then fails.
    for (let i = 0; i < 2050; i++) await h.emu.files.put('sandy', `/flaky/f${i}.txt`, 'x');
    const before = await remoteSnapshot(h.client, '/flaky');
    h.emu.faults.inject({ route: 'files/list_folder/continue', times: 50, fault: { status: 503 } });
    try {
      await expect(h.run(deleteTask, { path: '/flaky', include: 'f1*.txt', maxDelete: 5000 })).rejects.toThrow(
        /incomplete/,
      );
    } finally {
      h.emu.faults.clear();
    }
    expect(await remoteSnapshot(h.client, '/flaky')).toEqual(before);
  });

  it('a folder that does not exist deletes nothing, with a warning; a failing first page fails the task', async () => {
    const missing = await h.run(deleteTask, { path: '/missing-folder', olderThan: '1d' });
    expect(missing.warnings).toEqual(['/missing-folder does not exist: nothing to delete']);
    expect(missing.actions).toEqual([]);
    h.emu.faults.inject({ route: 'files/list_folder', times: 50, fault: { status: 503 } });
    try {
      await expect(h.run(deleteTask, { path: '/guard' })).rejects.toThrow();
    } finally {
      h.emu.faults.clear();
    }
  });
});

describe('create-folder', () => {
  it('creates with placeholders; an existing folder is success unless existsOk is false; dry run creates nothing', async () => {
    const now = new Date('2026-02-03T04:05:06Z');
    const dry = await h.run(createFolderTask, { path: '/made/{yyyy}/{MM}-{dd} {job}' }, { now, dryRun: true });
    expect(dry.actions).toEqual([
      { action: 'create-folder', target: '/made/2026/02-03 test-job', reason: 'does not exist' },
    ]);
    expect(await h.client.getMetadata('/made/2026/02-03 test-job')).toBeUndefined();
    const made = await h.run(createFolderTask, { path: '/made/{yyyy}/{MM}-{dd} {job}' }, { now });
    expect(made.counts.created).toBe(1);
    expect((await h.client.getMetadata('/made/2026/02-03 test-job'))?.['.tag']).toBe('folder');
    const again = await h.run(createFolderTask, { path: '/made/{yyyy}/{MM}-{dd} {job}' }, { now });
    expect(again.counts.existed).toBe(1);
    await expect(h.run(createFolderTask, { path: '/made/2026', existsOk: false })).rejects.toThrow(/already exists/);
    await h.emu.files.put('sandy', '/made/file', 'x');
    await expect(h.run(createFolderTask, { path: '/made/file' })).rejects.toThrow(/is a file/);
  });
});
