// download hands on the files it downloaded, as list hands on its matches, so "download
// what arrived, then delete it in Dropbox" is `download` then `delete: { path: previous }`:
// exactly the downloaded files go, never one that was skipped or failed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { downloadTask } from '../../plugins/dropbox/tasks/download.ts';
import { deleteTask } from '../../plugins/dropbox/tasks/delete.ts';
import type { DropboxEntriesOutput } from '../../plugins/dropbox/tasks/list.ts';
import { TaskFailedError } from '../../plugins/dropbox/tasks/result.ts';
import { remoteTree, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

const remote = async (folder: string) =>
  [...(await remoteTree(h.client, folder)).keys()].map((k) => k.slice(folder.length + 1)).sort();
const paths = (out: unknown) => (out as DropboxEntriesOutput).items.map((i) => i.path_display).sort();

describe('download hands on what it downloaded', () => {
  it('then delete previous deletes exactly the downloaded files', async () => {
    await h.emu.files.put('sandy', '/in/a.txt', 'a');
    await h.emu.files.put('sandy', '/in/sub/b.txt', 'b');
    await h.emu.files.put('sandy', '/in/same.txt', 'same');
    const to = join(h.dir, 'got');
    await mkdir(to, { recursive: true });
    // Already here with the same content: skipped (if-different), so not handed on.
    await writeFile(join(to, 'same.txt'), 'same');

    const got = await h.run(downloadTask, { from: '/in', recursive: true, to });
    expect(got.counts).toMatchObject({ downloaded: 2, skipped: 1 });
    expect(got.output).toMatchObject({ kind: 'dropbox-entries', root: '/in' });
    expect(paths(got.output)).toEqual(['/in/a.txt', '/in/sub/b.txt']);

    const gone = await h.run(deleteTask, { path: 'previous' }, { input: got.output });
    expect(gone.counts).toMatchObject({ deleted: 2 });
    expect(await remote('/in')).toEqual(['same.txt', 'sub']);
  });

  it('leaves a file that failed to download out, so it is never deleted', async () => {
    await h.emu.files.put('sandy', '/fail/ok.txt', 'ok');
    await h.emu.files.put('sandy', '/fail/blocked/x.txt', 'x');
    const to = join(h.dir, 'fail');
    await mkdir(to, { recursive: true });
    // A file where the folder `blocked` must go: x.txt cannot be written, and fails.
    await writeFile(join(to, 'blocked'), 'in the way');

    const err = await h.run(downloadTask, { from: '/fail', recursive: true, to }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    const { result } = err as TaskFailedError;
    expect(result.counts).toMatchObject({ downloaded: 1, failed: 1 });
    expect(paths(result.output)).toEqual(['/fail/ok.txt']);

    await h.run(deleteTask, { path: 'previous' }, { input: result.output });
    expect(await remote('/fail')).toEqual(['blocked', 'blocked/x.txt']);
  });

  it('hands on in a dry run what it would download, for the next task to plan with', async () => {
    await h.emu.files.put('sandy', '/dry/c.txt', 'c');
    const plan = await h.run(downloadTask, { from: '/dry', to: join(h.dir, 'dry') }, { dryRun: true });
    expect(paths(plan.output)).toEqual(['/dry/c.txt']);
    const next = await h.run(deleteTask, { path: 'previous' }, { input: plan.output, dryRun: true });
    expect(next.counts).toMatchObject({ wouldDelete: 1 });
    expect(await remote('/dry')).toEqual(['c.txt']);
  });
});
