// files/list_revisions and files/restore through the official npm SDK, unchanged.
import { describe, expect, it } from 'vitest';
import { failure, sdkClient, withSdk } from './sdk-client.ts';

const ctx = withSdk();

async function upload(path: string, text: string) {
  return (await ctx.dbx.filesUpload({ path, contents: Buffer.from(text), mode: { '.tag': 'overwrite' } })).result;
}

async function text(path: string): Promise<string> {
  const dl = await ctx.dbx.filesDownload({ path });
  return (dl.result as unknown as { fileBinary: Buffer }).fileBinary.toString();
}

describe('files/list_revisions and files/restore (official npm SDK)', () => {
  it('lists a file’s versions newest first, pages with before_rev, restores an old one as a new version', async () => {
    const v1 = await upload('/rev/report.txt', 'one');
    const v2 = await upload('/rev/report.txt', 'two');
    const v3 = await upload('/rev/Report.txt', 'three');
    const all = (await ctx.dbx.filesListRevisions({ path: '/rev/report.txt' })).result;
    expect(all.is_deleted).toBe(false);
    expect(all.server_deleted).toBeUndefined();
    expect(all.has_more).toBe(false);
    expect(all.entries.map((e) => e.rev)).toEqual([v3.rev, v2.rev, v1.rev]);
    expect(all.entries[2]).toMatchObject({ name: 'report.txt', path_display: '/rev/report.txt', size: 3, id: v1.id });
    expect(all.entries[2]).not.toHaveProperty('.tag');

    const first = (await ctx.dbx.filesListRevisions({ path: '/rev/report.txt', limit: 2 })).result;
    expect(first.entries.map((e) => e.rev)).toEqual([v3.rev, v2.rev]);
    expect(first.has_more).toBe(true);
    const rest = (await ctx.dbx.filesListRevisions({ path: '/rev/report.txt', before_rev: v2.rev })).result;
    expect(rest.entries.map((e) => e.rev)).toEqual([v1.rev]);
    expect(rest.has_more).toBe(false);

    const restored = (await ctx.dbx.filesRestore({ path: '/rev/report.txt', rev: v1.rev })).result;
    expect(restored).toMatchObject({ name: 'report.txt', size: 3, content_hash: v1.content_hash, id: v1.id });
    expect([v1.rev, v2.rev, v3.rev]).not.toContain(restored.rev);
    expect(await text('/rev/report.txt')).toBe('one');
    const after = (await ctx.dbx.filesListRevisions({ path: '/rev/report.txt' })).result;
    expect(after.entries[0]!.rev).toBe(restored.rev);
  });

  it('path mode follows the path across a delete and re-create; id mode follows the file', async () => {
    const old = await upload('/rev/cycle.txt', 'old file');
    await ctx.dbx.filesDeleteV2({ path: '/rev/cycle.txt' });
    const gone = (await ctx.dbx.filesListRevisions({ path: '/rev/cycle.txt' })).result;
    expect(gone.is_deleted).toBe(true);
    expect(gone.server_deleted).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(gone.entries.map((e) => e.rev)).toEqual([old.rev]);
    expect(gone.entries[0]).toMatchObject({ path_display: '/rev/cycle.txt', id: old.id });
    const byOldId = (await ctx.dbx.filesListRevisions({ path: old.id, mode: { '.tag': 'id' } })).result;
    expect(byOldId.is_deleted).toBe(true);
    expect(byOldId.entries.map((e) => e.rev)).toEqual([old.rev]);

    const fresh = await upload('/rev/cycle.txt', 'new file');
    expect(fresh.id).not.toBe(old.id);
    const byPath = (await ctx.dbx.filesListRevisions({ path: '/rev/cycle.txt' })).result;
    expect(byPath.is_deleted).toBe(false);
    expect(byPath.entries.map((e) => e.rev)).toEqual([fresh.rev, old.rev]);
    const byId = (await ctx.dbx.filesListRevisions({ path: '/rev/cycle.txt', mode: { '.tag': 'id' } })).result;
    expect(byId.entries.map((e) => e.rev)).toEqual([fresh.rev]);

    // A deleted file comes back by restoring one of its versions.
    await ctx.dbx.filesDeleteV2({ path: '/rev/cycle.txt' });
    await ctx.dbx.filesRestore({ path: '/rev/cycle.txt', rev: old.rev });
    expect(await text('/rev/cycle.txt')).toBe('old file');
  });

  it('answers Dropbox’s error unions', async () => {
    await ctx.dbx.filesCreateFolderV2({ path: '/rev/folder' });
    expect(await failure(ctx.dbx.filesListRevisions({ path: '/rev/folder' }))).toEqual({
      status: 409,
      error: { '.tag': 'path', path: { '.tag': 'not_file' } },
    });
    expect((await failure(ctx.dbx.filesListRevisions({ path: '/rev/nothing.txt' }))).error).toEqual({
      '.tag': 'path',
      path: { '.tag': 'not_found' },
    });
    const v = await upload('/rev/e.txt', 'e');
    const other = await upload('/rev/other.txt', 'x');
    expect((await failure(ctx.dbx.filesListRevisions({ path: '/rev/e.txt', before_rev: other.rev }))).error).toEqual({
      '.tag': 'invalid_before_rev',
    });
    expect(
      (await failure(ctx.dbx.filesListRevisions({ path: '/rev/e.txt', mode: { '.tag': 'id' }, before_rev: v.rev })))
        .error,
    ).toEqual({ '.tag': 'before_rev_not_supported' });
    expect((await failure(ctx.dbx.filesRestore({ path: '/rev/e.txt', rev: 'abcdef0123456' }))).error).toEqual({
      '.tag': 'invalid_revision',
    });
    expect((await failure(ctx.dbx.filesRestore({ path: '/rev/folder', rev: v.rev }))).error).toEqual({
      '.tag': 'path_write',
      path_write: { '.tag': 'conflict', conflict: { '.tag': 'folder' } },
    });
    // Another account's versions are not this one's to list or restore.
    const bobs = sdkClient(ctx.emu, { account: 'bob' });
    const bobFile = (await bobs.filesUpload({ path: '/mine.txt', contents: Buffer.from('bob') })).result;
    expect((await failure(ctx.dbx.filesRestore({ path: '/rev/stolen.txt', rev: bobFile.rev }))).error).toEqual({
      '.tag': 'invalid_revision',
    });
    expect((await failure(ctx.dbx.filesListRevisions({ path: bobFile.id }))).error['.tag']).toBe('path');
  });
});
