// files/get_temporary_upload_link through the official npm SDK, unchanged; the link itself is
// used as files.stone's curl example does: a POST of the bytes, octet-stream, no token.
import { describe, expect, it } from 'vitest';
import { DropboxResponseError } from 'dropbox';
import { contentHash } from '../../plugins/dropbox/api/content-hash.ts';
import { withSdk } from './sdk-client.ts';

const ctx = withSdk();

const post = (link: string, body: string | Buffer, type = 'application/octet-stream') =>
  fetch(link, { method: 'POST', headers: { 'Content-Type': type }, body });

async function download(path: string): Promise<string> {
  const r = (await ctx.dbx.filesDownload({ path })).result as unknown as { fileBinary: Buffer };
  return r.fileBinary.toString();
}

describe('files/get_temporary_upload_link (official npm SDK)', () => {
  it('takes one POST of the bytes without a token, commits it, then answers 410', async () => {
    const { result } = await ctx.dbx.filesGetTemporaryUploadLink({
      commit_info: { path: '/inbox/drop.txt', mode: { '.tag': 'add' } },
    });
    expect(Object.keys(result)).toEqual(['link']);
    expect(result.link).toMatch(new RegExp(`^${ctx.emu.url}/apitul/1/[A-Za-z0-9_-]+$`));

    // Another Content-Type is refused before the link is spent.
    const wrong = await post(result.link, 'x', 'application/json');
    expect(wrong.status).toBe(400);

    const bytes = 'arrived through a link\n';
    const ok = await post(result.link, bytes);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ 'content-hash': contentHash(bytes) });
    expect(await download('/inbox/drop.txt')).toBe(bytes);
    const meta = (await ctx.dbx.filesGetMetadata({ path: '/inbox/drop.txt' })).result;
    expect(meta).toMatchObject({ '.tag': 'file', size: bytes.length, content_hash: contentHash(bytes) });

    const again = await post(result.link, 'second');
    expect(again.status).toBe(410);
    expect(await again.text()).toMatch(/consumed/);
    expect(await download('/inbox/drop.txt')).toBe(bytes);
    expect((await post(result.link.replace(/[^/]+$/, 'nosuchlink'), 'x')).status).toBe(409);
  });

  it('judges the CommitInfo when the link is used: a conflict then is a 409', async () => {
    const { dbx } = ctx;
    const add = (await dbx.filesGetTemporaryUploadLink({ commit_info: { path: '/inbox/late.txt' } })).result.link;
    const renaming = (
      await dbx.filesGetTemporaryUploadLink({ commit_info: { path: '/inbox/late.txt', autorename: true } })
    ).result.link;
    // The file appears after the links were made.
    await dbx.filesUpload({ path: '/inbox/late.txt', contents: Buffer.from('first') });
    const conflict = await post(add, 'other');
    expect(conflict.status).toBe(409);
    expect(await conflict.text()).toMatch(/path\/conflict\/file/);
    expect(await download('/inbox/late.txt')).toBe('first');
    // Spent by the failed try, as at Dropbox: a new link is needed.
    expect((await post(add, 'other')).status).toBe(410);

    expect((await post(renaming, 'other')).status).toBe(200);
    expect(await download('/inbox/late (1).txt')).toBe('other');
  });

  it('expires after its duration (60..14400 s, default 14400) on the sandbox clock', async () => {
    const { dbx, emu } = ctx;
    const short = (await dbx.filesGetTemporaryUploadLink({ commit_info: { path: '/inbox/a.txt' }, duration: 60 }))
      .result.link;
    const long = (await dbx.filesGetTemporaryUploadLink({ commit_info: { path: '/inbox/b.txt' } })).result.link;
    emu.advanceClock(61);
    const gone = await post(short, 'late');
    expect(gone.status).toBe(410);
    expect(await gone.text()).toMatch(/expired/);
    emu.advanceClock(4 * 3600 - 120);
    expect((await post(long, 'in time')).status).toBe(200);
    const never = (await dbx.filesGetTemporaryUploadLink({ commit_info: { path: '/inbox/c.txt' } })).result.link;
    emu.advanceClock(4 * 3600 + 1);
    expect((await post(never, 'late')).status).toBe(410);
    await expect(dbx.filesGetMetadata({ path: '/inbox/a.txt' })).rejects.toBeInstanceOf(DropboxResponseError);

    for (const [commit_info, duration, why] of [
      [{ path: '/inbox/d.txt' }, 59, /duration/],
      [{ path: '/inbox/d.txt' }, 14401, /duration/],
      // A path files/upload refuses is refused here too, when the link is asked for.
      [{ path: 'no-slash.txt' }, 60, /commit_info\.path/],
    ] as const) {
      const bad = await dbx.filesGetTemporaryUploadLink({ commit_info, duration }).then(
        () => undefined,
        (e: unknown) => e as DropboxResponseError<string>,
      );
      expect(bad?.status).toBe(400);
      expect(String(bad?.error)).toMatch(why);
    }
  });
});
