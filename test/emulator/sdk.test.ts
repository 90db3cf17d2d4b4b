// The official npm `dropbox` SDK, unchanged, against the emulator (through sdk-client.ts's
// origin-rewriting fetch).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dropbox, DropboxAuth, DropboxResponseError } from 'dropbox';
import { contentHash } from '../../plugins/dropbox/api/content-hash.ts';
import { accountIdOf, memberOf, startEmulator, type Emulator } from './helpers.ts';
import { REDIRECT, consent } from './oauth-helpers.ts';
import { rewritingFetch } from './sdk-client.ts';

let emu: Emulator;
const seen: string[] = [];

let auth: DropboxAuth;
let dbx: Dropbox;

beforeAll(async () => {
  emu = await startEmulator();
  auth = new DropboxAuth({ clientId: 'dropcron-sandbox', fetch: rewritingFetch(() => emu.url, seen) });
  dbx = new Dropbox({ auth });
});
afterAll(() => emu.close());

describe('official dropbox SDK (npm, 10.47)', () => {
  it('authorization code + PKCE: the SDK builds the URL and exchanges the code', async () => {
    const url = String(
      await auth.getAuthenticationUrl(REDIRECT, 'sdk-state', 'code', 'offline', undefined, 'none', true),
    );
    expect(url).toMatch(/^https:\/\/dropbox\.com\/oauth2\/authorize\?/);
    const params = Object.fromEntries(new URL(url).searchParams);
    expect(params).toMatchObject({
      client_id: 'dropcron-sandbox',
      code_challenge_method: 'S256',
      token_access_type: 'offline',
      state: 'sdk-state',
    });
    const r = await consent(emu, params);
    const back = new URL(r.location!);
    expect(back.searchParams.get('state')).toBe('sdk-state');
    const t = await auth.getAccessTokenFromCode(REDIRECT, back.searchParams.get('code')!);
    const result = t.result as { access_token: string; refresh_token: string; expires_in: number; account_id: string };
    expect(result.access_token).toMatch(/^sl\./);
    expect(result.account_id).toBe(accountIdOf(emu, 'sandy'));
    auth.setAccessToken(result.access_token);
    auth.setRefreshToken(result.refresh_token);
    auth.setAccessTokenExpiresAt(new Date(Date.now() + result.expires_in * 1000));
    const me = await dbx.usersGetCurrentAccount();
    expect(me.status).toBe(200);
    expect(me.result.email).toBe('sandy@example.com');
    expect(me.result.root_info['.tag']).toBe('user');
  });

  it('refreshes an expiring token by itself (query-string refresh)', async () => {
    const before = auth.getAccessToken();
    auth.setAccessTokenExpiresAt(new Date(Date.now() - 1000));
    const n = seen.length;
    const usage = await dbx.usersGetSpaceUsage();
    expect(usage.result.allocation['.tag']).toBe('individual');
    expect(seen.slice(n)).toEqual(['/oauth2/token', '/2/users/get_space_usage']);
    expect(auth.getAccessToken()).not.toBe(before);
  });

  it('uploads, creates folders, lists with pagination, downloads, deletes', async () => {
    const folder = await dbx.filesCreateFolderV2({ path: '/SDK' });
    expect(folder.result.metadata.path_display).toBe('/SDK');
    const data = Buffer.from('from the official SDK');
    const up = await dbx.filesUpload({ path: '/SDK/hello.txt', contents: data, mode: { '.tag': 'overwrite' } });
    expect(up.result).toMatchObject({ name: 'hello.txt', size: data.length, content_hash: contentHash(data) });
    for (let i = 0; i < 4; i++) await dbx.filesUpload({ path: `/SDK/n${i}.txt`, contents: Buffer.from(String(i)) });
    let page = await dbx.filesListFolder({ path: '/sdk', limit: 2 });
    const names = page.result.entries.map((e) => e.name);
    expect(page.result.has_more).toBe(true);
    while (page.result.has_more) {
      page = await dbx.filesListFolderContinue({ cursor: page.result.cursor });
      names.push(...page.result.entries.map((e) => e.name));
    }
    expect(names.sort()).toEqual(['hello.txt', 'n0.txt', 'n1.txt', 'n2.txt', 'n3.txt']);
    const dl = await dbx.filesDownload({ path: '/SDK/hello.txt' });
    expect((dl.result as unknown as { fileBinary: Buffer }).fileBinary.equals(data)).toBe(true);
    expect(dl.result.rev).toBe(up.result.rev);
    const del = await dbx.filesDeleteV2({ path: '/SDK/n0.txt' });
    expect(del.result.metadata['.tag']).toBe('file');
  });

  it('a chunked upload session', async () => {
    const chunks = [Buffer.alloc(4 * 1024 * 1024, 'a'), Buffer.alloc(4 * 1024 * 1024, 'b'), Buffer.from('end')];
    const start = await dbx.filesUploadSessionStart({ close: false, contents: chunks[0] });
    const id = start.result.session_id;
    await dbx.filesUploadSessionAppendV2({
      cursor: { session_id: id, offset: chunks[0]!.length },
      close: false,
      contents: chunks[1],
    });
    const offset = chunks[0]!.length + chunks[1]!.length;
    const fin = await dbx.filesUploadSessionFinish({
      cursor: { session_id: id, offset },
      commit: { path: '/SDK/big.bin', mode: { '.tag': 'add' } },
      contents: chunks[2],
    });
    const whole = Buffer.concat(chunks);
    expect(fin.result).toMatchObject({
      path_display: '/SDK/big.bin',
      size: whole.length,
      content_hash: contentHash(whole),
    });
  });

  it('a 409 comes back as DropboxResponseError with the route union', async () => {
    const err = await dbx.filesGetMetadata({ path: '/SDK/missing.txt' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DropboxResponseError);
    const e = err as DropboxResponseError<{
      error_summary: string;
      error: { '.tag': string; path: { '.tag': string } };
    }>;
    expect(e.status).toBe(409);
    expect(e.error.error_summary).toBe('path/not_found/..');
    expect(e.error.error.path['.tag']).toBe('not_found');
    const conflict = await dbx.filesCreateFolderV2({ path: '/SDK' }).catch((x: DropboxResponseError<any>) => x);
    expect((conflict as DropboxResponseError<any>).error.error).toEqual({
      '.tag': 'path',
      path: { '.tag': 'conflict', conflict: { '.tag': 'folder' } },
    });
  });

  it('team headers: selectUser and pathRoot pass through', async () => {
    const team = emu.issueToken({ team: true, app: 'custom-app' });
    const asBob = new Dropbox({
      accessToken: team.accessToken,
      selectUser: memberOf(emu, 'bob').memberId,
      pathRoot: JSON.stringify({ '.tag': 'root', root: '2001' }),
      fetch: rewritingFetch(() => emu.url, seen),
    });
    const list = await asBob.filesListFolder({ path: '' });
    expect(list.result.entries.map((e) => e.name).sort()).toEqual(['Bob Builder', 'Team Shared']);
  });
});
