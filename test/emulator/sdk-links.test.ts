// Temporary and shared links through the official npm SDK, unchanged; the links themselves
// are fetched as a browser or curl would, without a token.
import { describe, expect, it } from 'vitest';
import { failure, withSdk } from './sdk-client.ts';

const ctx = withSdk();

describe('files/get_temporary_link (official npm SDK)', () => {
  it('serves the file without a token for 4 hours, then answers 410 Gone', async () => {
    const up = (await ctx.dbx.filesUpload({ path: '/links/report.csv', contents: Buffer.from('a,b\n1,2\n') })).result;
    const { result } = await ctx.dbx.filesGetTemporaryLink({ path: '/links/report.csv' });
    expect(result.metadata).toMatchObject({ name: 'report.csv', rev: up.rev, size: 8 });
    expect(result.metadata).not.toHaveProperty('.tag');
    expect(result.link).toMatch(new RegExp(`^${ctx.emu.url}/cd/0/get/[A-Za-z0-9_-]+/file$`));
    const got = await fetch(result.link);
    expect(got.status).toBe(200);
    expect(got.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(await got.text()).toBe('a,b\n1,2\n');
    const part = await fetch(result.link, { headers: { Range: 'bytes=4-' } });
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('1,2\n');
    // The link serves the version it was made for, even after the file changes.
    await ctx.dbx.filesUpload({
      path: '/links/report.csv',
      contents: Buffer.from('new'),
      mode: { '.tag': 'overwrite' },
    });
    expect(await (await fetch(result.link)).text()).toBe('a,b\n1,2\n');

    ctx.emu.advanceClock(4 * 3600 - 60);
    expect((await fetch(result.link)).status).toBe(200);
    ctx.emu.advanceClock(61);
    const gone = await fetch(result.link);
    expect(gone.status).toBe(410);
    expect(await gone.text()).toMatch(/expired/);
    expect((await fetch(result.link.replace(/get\/[^/]+/, 'get/nosuchlink'))).status).toBe(404);
  });

  it('answers Dropbox’s error unions', async () => {
    await ctx.dbx.filesCreateFolderV2({ path: '/links/dir' });
    for (const [path, why] of [
      ['/links/dir', 'not_file'],
      ['/links/none.txt', 'not_found'],
    ]) {
      const f = await failure(ctx.dbx.filesGetTemporaryLink({ path: path! }));
      expect(f).toEqual({ status: 409, error: { '.tag': 'path', path: { '.tag': why } } });
    }
  });
});
