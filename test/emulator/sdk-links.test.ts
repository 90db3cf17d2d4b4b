// Temporary and shared links through the official npm SDK, unchanged; the links themselves
// are fetched as a browser or curl would, without a token.
import { describe, expect, it } from 'vitest';
import { failure, sdkClient, withSdk } from './sdk-client.ts';

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

describe('shared links (official npm SDK)', () => {
  it('creates a public link that serves the file, reuses it, lists, revokes', async () => {
    const { dbx, emu } = ctx;
    await dbx.filesUpload({ path: '/share/notes.txt', contents: Buffer.from('shared words') });
    const made = (await dbx.sharingCreateSharedLinkWithSettings({ path: '/share/notes.txt' })).result;
    expect(made['.tag']).toBe('file');
    expect(made).toMatchObject({ name: 'notes.txt', path_lower: '/share/notes.txt', size: 12 });
    expect(made.url).toMatch(new RegExp(`^${emu.url}/scl/fi/[A-Za-z0-9_-]+/notes\\.txt\\?rlkey=[a-z0-9]+&dl=0$`));
    expect(made.link_permissions).toMatchObject({
      resolved_visibility: { '.tag': 'public' },
      can_revoke: true,
      can_set_expiry: false,
    });
    const dl = await fetch(made.url.replace('dl=0', 'dl=1'));
    expect(dl.status).toBe(200);
    expect(dl.headers.get('content-disposition')).toMatch(/^attachment; filename\*=UTF-8''notes\.txt$/);
    expect(await dl.text()).toBe('shared words');

    // A second create answers shared_link_already_exists carrying the existing link.
    const again = await failure(ctx.dbx.sharingCreateSharedLinkWithSettings({ path: '/share/notes.txt' }));
    expect(again.status).toBe(409);
    expect(again.error['.tag']).toBe('shared_link_already_exists');
    expect(again.error.shared_link_already_exists).toMatchObject({ '.tag': 'metadata', metadata: { url: made.url } });

    await dbx.filesCreateFolderV2({ path: '/share/dir' });
    const folderLink = (await dbx.sharingCreateSharedLinkWithSettings({ path: '/share/dir' })).result;
    expect(folderLink['.tag']).toBe('folder');
    expect(folderLink.url).toMatch(/\/scl\/fo\//);
    const all = (await dbx.sharingListSharedLinks({})).result;
    expect(all.links.map((l) => l.url).sort()).toEqual([made.url, folderLink.url].sort());
    expect(all.has_more).toBe(false);
    const direct = (await dbx.sharingListSharedLinks({ path: '/share/notes.txt', direct_only: true })).result;
    expect(direct.links.map((l) => l.url)).toEqual([made.url]);

    const meta = (await dbx.sharingGetSharedLinkMetadata({ url: made.url })).result;
    expect(meta).toMatchObject({ '.tag': 'file', name: 'notes.txt', url: made.url });

    await dbx.sharingRevokeSharedLink({ url: made.url });
    expect((await fetch(made.url)).status).toBe(404);
    expect((await failure(dbx.sharingGetSharedLinkMetadata({ url: made.url }))).error).toEqual({
      '.tag': 'shared_link_not_found',
    });
    expect((await failure(dbx.sharingRevokeSharedLink({ url: made.url }))).error['.tag']).toBe('shared_link_not_found');
    expect((await failure(dbx.sharingRevokeSharedLink({ url: 'not a url' }))).error['.tag']).toBe(
      'shared_link_malformed',
    );
  });

  it('a basic account may not set an expiry or restrict visibility', async () => {
    await ctx.dbx.filesUpload({ path: '/share/basic.txt', contents: Buffer.from('b') });
    for (const settings of [
      { expires: '2099-01-01T00:00:00Z' },
      { requested_visibility: { '.tag': 'team_only' as const } },
    ]) {
      const f = await failure(ctx.dbx.sharingCreateSharedLinkWithSettings({ path: '/share/basic.txt', settings }));
      expect(f.error).toEqual({ '.tag': 'settings_error', settings_error: { '.tag': 'not_authorized' } });
    }
  });

  it('a team member sets visibility and expiry; the link expires on the sandbox clock', async () => {
    const alice = sdkClient(ctx.emu, { account: 'alice' });
    await alice.filesUpload({ path: '/plan.txt', contents: Buffer.from('the plan') });
    const expires = new Date(Date.now() + 24 * 3600 * 1000).toISOString().replace(/\.\d+Z$/, 'Z');
    const team = (
      await alice.sharingCreateSharedLinkWithSettings({
        path: '/plan.txt',
        settings: { requested_visibility: { '.tag': 'team_only' }, expires },
      })
    ).result;
    expect(team).toMatchObject({ expires, link_permissions: { resolved_visibility: { '.tag': 'team_only' } } });
    expect(team.team_member_info).toMatchObject({ display_name: 'Alice Archer', team_info: { name: 'Acme Corp' } });
    // Not public: no anonymous download; bob (same team) may read its metadata, sandy may not.
    expect((await fetch(team.url)).status).toBe(403);
    const bob = sdkClient(ctx.emu, { account: 'bob' });
    expect((await bob.sharingGetSharedLinkMetadata({ url: team.url })).result.name).toBe('plan.txt');
    expect((await failure(ctx.dbx.sharingGetSharedLinkMetadata({ url: team.url }))).error['.tag']).toBe(
      'shared_link_access_denied',
    );
    // Asking again with other settings: the error carries no metadata.
    const other = await failure(
      alice.sharingCreateSharedLinkWithSettings({ path: '/plan.txt', settings: { expires: '2099-01-01T00:00:00Z' } }),
    );
    expect(other.error).toEqual({ '.tag': 'shared_link_already_exists' });

    const opened = (
      await alice.sharingModifySharedLinkSettings({
        url: team.url,
        settings: { requested_visibility: { '.tag': 'public' } },
      })
    ).result;
    expect(opened.link_permissions.resolved_visibility).toEqual({ '.tag': 'public' });
    expect(opened.expires).toBe(expires);
    expect(await (await fetch(team.url)).text()).toBe('the plan');
    ctx.emu.advanceClock(24 * 3600 + 1);
    expect((await fetch(team.url)).status).toBe(410);
    expect((await alice.sharingListSharedLinks({ path: '/plan.txt' })).result.links).toEqual([]);
    // An expired link no longer blocks a new one.
    const fresh = (await alice.sharingCreateSharedLinkWithSettings({ path: '/plan.txt' })).result;
    expect(fresh.url).not.toBe(team.url);
    expect(fresh.expires).toBeUndefined();
    const past = await failure(
      alice.sharingModifySharedLinkSettings({ url: fresh.url, settings: { expires: '2000-01-01T00:00:00Z' } }),
    );
    expect(past.error).toEqual({ '.tag': 'settings_error', settings_error: { '.tag': 'invalid_settings' } });
  });
});
