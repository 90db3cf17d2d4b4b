// copy and move inside Dropbox against the sandbox: server-side only (the request log
// shows no transfer route), masks, overwrite policies, autorename, dry-run plans, one
// file through copy_v2 / move_v2 and many through the batch routes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyTask, moveTask } from '../../plugins/dropbox/tasks/relocate.ts';
import { listTask } from '../../plugins/dropbox/tasks/list.ts';
import { remoteSnapshot, remoteTree, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

const names = async (folder: string) =>
  [...(await remoteTree(h.client, folder)).entries()]
    .filter(([, m]) => m['.tag'] === 'file')
    .map(([k]) => k.slice(folder.length + 1))
    .sort();
const text = async (path: string) => String(await h.emu.files.get('sandy', path));

/** Routes the sandbox answered while `fn` ran. */
async function routesOf(fn: () => Promise<unknown>): Promise<string[]> {
  const before = h.emu.requests.length;
  await fn();
  return h.emu.requests.slice(before).map((r) => r.route);
}

describe('copy', () => {
  it('copies matching files with their sub folders, server-side, through one batch', async () => {
    await h.emu.files.put('sandy', '/c1/src/a.txt', 'a');
    await h.emu.files.put('sandy', '/c1/src/sub/b.txt', 'bb');
    await h.emu.files.put('sandy', '/c1/src/skip.log', 'log');
    let res!: Awaited<ReturnType<typeof h.run>>;
    const routes = await routesOf(async () => {
      res = await h.run(copyTask, { from: '/c1/src', to: '/c1/dst', recursive: true, include: ['*.txt'] });
    });
    expect(res.counts).toMatchObject({ copied: 2 });
    expect(res.files).toBe(2);
    expect(res.bytes).toBe(0);
    expect(await names('/c1/dst')).toEqual(['a.txt', 'sub/b.txt']);
    expect(await names('/c1/src')).toEqual(['a.txt', 'skip.log', 'sub/b.txt']);
    expect(routes).toContain('files/copy_batch_v2');
    expect(routes).toContain('files/copy_batch/check_v2');
    expect(routes.filter((r) => /upload|download/.test(r))).toEqual([]);
    expect(res.output?.items.map((m) => (m as { path_display: string }).path_display).sort()).toEqual([
      '/c1/dst/a.txt',
      '/c1/dst/sub/b.txt',
    ]);
  });

  it('overwrite policies decide by content hash; autorename keeps both', async () => {
    await h.emu.files.put('sandy', '/c2/src/same.txt', 'same');
    await h.emu.files.put('sandy', '/c2/src/changed.txt', 'new text');
    await h.emu.files.put('sandy', '/c2/dst/same.txt', 'same');
    await h.emu.files.put('sandy', '/c2/dst/changed.txt', 'old text');
    const before = await remoteSnapshot(h.client, '/c2/dst');

    const never = await h.run(copyTask, { from: '/c2/src', to: '/c2/dst', overwrite: 'never' });
    expect(never.counts).toMatchObject({ skipped: 2 });
    expect(await remoteSnapshot(h.client, '/c2/dst')).toEqual(before);

    const ifDifferent = await h.run(copyTask, { from: '/c2/src', to: '/c2/dst' });
    expect(ifDifferent.counts).toMatchObject({ copied: 1, replaced: 1, skipped: 1 });
    expect(await text('/c2/dst/changed.txt')).toBe('new text');
    expect((await remoteSnapshot(h.client, '/c2/dst'))['/c2/dst/same.txt']).toBe(before['/c2/dst/same.txt']);

    const beside = await h.run(copyTask, { from: '/c2/src', to: '/c2/dst', overwrite: 'always', autorename: true });
    expect(beside.counts).toMatchObject({ copied: 2 });
    expect(beside.counts.replaced).toBeUndefined();
    const after = await names('/c2/dst');
    expect(after).toHaveLength(4);
    expect(after).toEqual(expect.arrayContaining(['changed.txt', 'same.txt']));
  });

  it('a dry run plans each decision and changes nothing', async () => {
    await h.emu.files.put('sandy', '/c3/src/new.txt', 'n');
    await h.emu.files.put('sandy', '/c3/src/same.txt', 's');
    await h.emu.files.put('sandy', '/c3/dst/same.txt', 's');
    const before = await remoteSnapshot(h.client, '/c3');
    const res = await h.run(copyTask, { from: '/c3/src', to: '/c3/dst' }, { dryRun: true });
    expect(res.counts).toMatchObject({ wouldCopy: 1, skipped: 1 });
    expect(res.actions).toEqual([
      { action: 'copy', target: '/c3/src/new.txt', reason: 'new, to /c3/dst/new.txt' },
      {
        action: 'skip',
        target: '/c3/src/same.txt',
        reason: 'unchanged: same size and content hash, at /c3/dst/same.txt',
      },
    ]);
    expect(await remoteSnapshot(h.client, '/c3')).toEqual(before);
  });

  it('validates its paths before running', () => {
    expect(copyTask.check!({ from: 'previous', to: 'no-slash' } as never)).toEqual([
      ['to', expect.stringMatching(/must start with '\/'/)],
    ]);
    expect(moveTask.check!({ from: '/a//b', to: '/x/{nope}' } as never).map(([k]) => k)).toEqual(['from', 'to']);
  });

  it('refuses a target inside the source', async () => {
    await h.emu.files.put('sandy', '/c4/a.txt', 'a');
    await expect(h.run(copyTask, { from: '/c4', to: '/c4/copy' })).rejects.toThrow(/inside from/);
  });
});

describe('move', () => {
  it('one file goes through move_v2 and leaves the source', async () => {
    await h.emu.files.put('sandy', '/m1/in/report.pdf', 'pdf');
    const routes = await routesOf(() => h.run(moveTask, { from: '/m1/in', to: '/m1/archive' }));
    expect(routes).toContain('files/move_v2');
    expect(routes).not.toContain('files/move_batch_v2');
    expect(await names('/m1/archive')).toEqual(['report.pdf']);
    expect(await names('/m1/in')).toEqual([]);
  });

  it('takes what a list handed on, and fails only the entries Dropbox refused', async () => {
    for (const n of ['a', 'b', 'c']) await h.emu.files.put('sandy', `/m2/in/${n}.csv`, n);
    await h.emu.files.put('sandy', '/m2/in/keep.txt', 'k');
    const listed = await h.run(listTask, { path: '/m2/in', include: ['*.csv'] });
    // b.csv goes away between the listing and the move: only it fails.
    await h.client.delete('/m2/in/b.csv');
    const err = await h
      .run(moveTask, { from: 'previous', to: '/m2/out' }, { input: listed.output })
      .catch((e: unknown) => e as { result: { counts: Record<string, number> }; message: string });
    expect(err).toMatchObject({ result: { counts: { moved: 2, failed: 1 } } });
    expect((err as { message: string }).message).toMatch(/b\.csv/);
    expect(await names('/m2/out')).toEqual(['a.csv', 'c.csv']);
    expect(await names('/m2/in')).toEqual(['keep.txt']);
  });
});
