// The everyday routes over real HTTP: account, folders, upload, list, download, sessions.
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../plugins/dropbox/api/content-hash.ts';
import { accountIdOf, useEmulator, type Client, type Emulator } from './helpers.ts';

let emu: Emulator;
let c: Client;
useEmulator((s) => ({ emu, c } = s));

describe('users', () => {
  it('get_current_account describes the personal account', async () => {
    const r = await c.rpc('users/get_current_account');
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      account_id: accountIdOf(emu, 'sandy'),
      email: 'sandy@example.com',
      name: { display_name: 'Sandy Sandbox', given_name: 'Sandy', surname: 'Sandbox' },
      account_type: { '.tag': 'basic' },
      root_info: { '.tag': 'user', root_namespace_id: '1001', home_namespace_id: '1001' },
    });
  });
  it('accepts a null body, as the Python SDK sends, and refuses an object', async () => {
    expect((await c.rpc('users/get_current_account', null)).status).toBe(200);
    const r = await c.rpc('users/get_current_account', {});
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/^Error in call to API function "users\/get_current_account": request body: expected null/);
  });
  it('get_space_usage counts what is stored', async () => {
    const before = (await c.rpc('users/get_space_usage')).json;
    expect(before.allocation).toEqual({ '.tag': 'individual', allocated: 2 * 1024 ** 3 });
    await c.upload('files/upload', { path: '/usage/ten.bin' }, Buffer.alloc(10));
    expect((await c.rpc('users/get_space_usage')).json.used).toBe(before.used + 10);
  });
});

describe('upload and download', () => {
  it('uploads, returns FileMetadata without .tag, downloads the same bytes', async () => {
    const data = Buffer.from('hello, sandbox');
    const up = await c.upload(
      'files/upload',
      { path: '/Docs/Hello.txt', client_modified: '2024-01-02T03:04:05Z' },
      data,
    );
    expect(up.status).toBe(200);
    expect(up.json['.tag']).toBeUndefined();
    expect(up.json).toMatchObject({
      name: 'Hello.txt',
      path_lower: '/docs/hello.txt',
      path_display: '/Docs/Hello.txt',
      size: data.length,
      client_modified: '2024-01-02T03:04:05Z',
      is_downloadable: true,
    });
    expect(up.json.content_hash).toBe(contentHash(data));
    expect(up.json.id).toMatch(/^id:/);
    expect(up.json.rev).toMatch(/^[0-9a-f]{9,}$/);
    const dl = await c.download({ path: '/docs/HELLO.txt' });
    expect(dl.status).toBe(200);
    expect(dl.body.equals(data)).toBe(true);
    expect(dl.result).toEqual(up.json);
    expect(dl.headers.get('content-type')).toBe('application/octet-stream');
  });

  it('serves Range requests with 206 and Content-Range, and 416 past the end', async () => {
    await c.upload('files/upload', { path: '/range.txt' }, '0123456789');
    const mid = await c.download({ path: '/range.txt' }, { Range: 'bytes=2-5' });
    expect(mid.status).toBe(206);
    expect(mid.body.toString()).toBe('2345');
    expect(mid.headers.get('content-range')).toBe('bytes 2-5/10');
    const tail = await c.download({ path: '/range.txt' }, { Range: 'bytes=-3' });
    expect(tail.body.toString()).toBe('789');
    const open = await c.download({ path: '/range.txt' }, { Range: 'bytes=7-' });
    expect(open.body.toString()).toBe('789');
    const bad = await c.download({ path: '/range.txt' }, { Range: 'bytes=10-' });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe('bytes */10');
  });

  it('download errors: not_found, not_file, malformed path', async () => {
    const nf = await c.download({ path: '/nothing-here.txt' });
    expect(nf.status).toBe(409);
    expect(JSON.parse(nf.body.toString())).toEqual({
      error_summary: 'path/not_found/..',
      error: { '.tag': 'path', path: { '.tag': 'not_found' } },
    });
    await c.rpc('files/create_folder_v2', { path: '/a-folder' });
    const nfile = await c.download({ path: '/a-folder' });
    expect(JSON.parse(nfile.body.toString()).error).toEqual({ '.tag': 'path', path: { '.tag': 'not_file' } });
    const bad = await c.download({ path: 'no-slash' });
    expect(bad.status).toBe(400);
  });

  it('downloads by rev: even after an overwrite', async () => {
    const v1 = (await c.upload('files/upload', { path: '/revs.txt' }, 'one')).json;
    const v2 = (await c.upload('files/upload', { path: '/revs.txt', mode: 'overwrite' }, 'two')).json;
    expect(v2.id).toBe(v1.id);
    expect(v2.rev).not.toBe(v1.rev);
    expect((await c.download({ path: `rev:${v1.rev}` })).body.toString()).toBe('one');
    expect((await c.download({ path: '/revs.txt' })).body.toString()).toBe('two');
    expect((await c.download({ path: v1.id })).body.toString()).toBe('two');
  });
});

describe('list_folder', () => {
  it('lists one level or recursively, parents before children, with pagination', async () => {
    for (let i = 0; i < 7; i++) await c.upload('files/upload', { path: `/list/sub/f${i}.txt` }, `file ${i}`);
    await c.upload('files/upload', { path: '/list/top.txt' }, 'top');
    const one = await c.rpc('files/list_folder', { path: '/list' });
    expect(one.json.entries.map((e: any) => `${e['.tag']}:${e.path_display}`).sort()).toEqual([
      'file:/list/top.txt',
      'folder:/list/sub',
    ]);
    expect(one.json.has_more).toBe(false);

    const seen: any[] = [];
    let page = await c.rpc('files/list_folder', { path: '/LIST', recursive: true, limit: 3 });
    seen.push(...page.json.entries);
    while (page.json.has_more) {
      expect(page.json.entries).toHaveLength(3);
      page = await c.rpc('files/list_folder/continue', { cursor: page.json.cursor });
      seen.push(...page.json.entries);
    }
    expect(seen.map((e) => e.path_lower)).toContain('/list');
    expect(seen).toHaveLength(1 + 1 + 1 + 7);
    const idx = (p: string) => seen.findIndex((e) => e.path_lower === p);
    expect(idx('/list/sub')).toBeLessThan(idx('/list/sub/f0.txt'));
  });

  it('continue reports changes since the cursor, deletions included', async () => {
    await c.upload('files/upload', { path: '/watch/keep.txt' }, 'k');
    await c.upload('files/upload', { path: '/watch/gone.txt' }, 'g');
    const first = await c.rpc('files/list_folder', { path: '/watch' });
    const empty = await c.rpc('files/list_folder/continue', { cursor: first.json.cursor });
    expect(empty.json).toMatchObject({ entries: [], has_more: false });
    await c.upload('files/upload', { path: '/watch/new.txt' }, 'n');
    await c.rpc('files/delete_v2', { path: '/watch/gone.txt' });
    const changes = await c.rpc('files/list_folder/continue', { cursor: empty.json.cursor });
    expect(changes.json.entries.map((e: any) => [e['.tag'], e.path_lower])).toEqual([
      ['file', '/watch/new.txt'],
      ['deleted', '/watch/gone.txt'],
    ]);
  });

  it('rejects "/" for the root, lists "" as the root; not_found and not_folder as 409', async () => {
    const slash = await c.rpc('files/list_folder', { path: '/' });
    expect(slash.status).toBe(400);
    expect(slash.text).toContain('Specify the root folder as an empty string');
    const root = await c.rpc('files/list_folder', { path: '' });
    expect(root.status).toBe(200);
    const nf = await c.rpc('files/list_folder', { path: '/does/not/exist' });
    expect(nf.status).toBe(409);
    expect(nf.json).toEqual({
      error_summary: 'path/not_found/..',
      error: { '.tag': 'path', path: { '.tag': 'not_found' } },
    });
    await c.upload('files/upload', { path: '/plain.txt' }, 'x');
    expect((await c.rpc('files/list_folder', { path: '/plain.txt' })).json.error).toEqual({
      '.tag': 'path',
      path: { '.tag': 'not_folder' },
    });
  });

  it('a garbage cursor is a 400; a reset cursor is 409 reset', async () => {
    const bad = await c.rpc('files/list_folder/continue', { cursor: 'garbage' });
    expect(bad.status).toBe(400);
    const first = await c.rpc('files/list_folder', { path: '' });
    emu.resetCursors();
    const reset = await c.rpc('files/list_folder/continue', { cursor: first.json.cursor });
    expect(reset.status).toBe(409);
    expect(reset.json).toEqual({ error_summary: 'reset/..', error: { '.tag': 'reset' } });
  });
});

describe('upload sessions', () => {
  it('start, append_v2, finish build one file; offsets are checked', async () => {
    const parts = [Buffer.alloc(5 * 1024 * 1024, 1), Buffer.alloc(3 * 1024 * 1024, 2), Buffer.from('tail')];
    const start = await c.upload('files/upload_session/start', {}, parts[0]!);
    expect(start.status).toBe(200);
    const id = start.json.session_id;
    const wrong = await c.upload(
      'files/upload_session/append_v2',
      { cursor: { session_id: id, offset: 7 } },
      parts[1]!,
    );
    expect(wrong.status).toBe(409);
    expect(wrong.json).toEqual({
      error_summary: 'incorrect_offset/..',
      error: { '.tag': 'incorrect_offset', correct_offset: parts[0]!.length },
    });
    const ok = await c.upload(
      'files/upload_session/append_v2',
      { cursor: { session_id: id, offset: parts[0]!.length } },
      parts[1]!,
    );
    expect(ok.status).toBe(200);
    expect(ok.json).toBeNull();
    const offset = parts[0]!.length + parts[1]!.length;
    const whole = Buffer.concat(parts);
    const fin = await c.upload(
      'files/upload_session/finish',
      { cursor: { session_id: id, offset }, commit: { path: '/sessions/big.bin' }, content_hash: contentHash(whole) },
      parts[2]!,
    );
    expect(fin.status).toBe(200);
    expect(fin.json).toMatchObject({
      path_display: '/sessions/big.bin',
      size: whole.length,
      content_hash: contentHash(whole),
    });
    expect((await emu.files.get('sandy', '/sessions/big.bin'))!.equals(whole)).toBe(true);
    const again = await c.upload(
      'files/upload_session/append_v2',
      { cursor: { session_id: id, offset: whole.length } },
      'x',
    );
    expect(again.json.error).toEqual({ '.tag': 'not_found' });
  });
});

describe('list_folder/longpoll', () => {
  it('needs no token, waits for a change in the folder, and ignores changes elsewhere', async () => {
    const cursorOf = async (path: string) => {
      await c.rpc('files/create_folder_v2', { path });
      return (await c.rpc('files/list_folder/get_latest_cursor', { path })).json.cursor as string;
    };
    const longpoll = (cursor: string) =>
      fetch(`${emu.url}/2/files/list_folder/longpoll`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ cursor, timeout: 30 }),
      }).then((r) => r.json());
    // Answers are recorded by the emulator as they are sent.
    const answered = () => emu.requests.filter((r) => r.route === 'files/list_folder/longpoll').length;
    const [cursor, otherCursor] = [await cursorOf('/poll'), await cursorOf('/poll-other')];
    const before = answered();
    const poll = longpoll(cursor);
    const other = longpoll(otherCursor);
    // One change wakes both polls' watchers at once; when the other folder's poll has its
    // answer, one for /poll would have been sent as well.
    await c.upload('files/upload', { path: '/poll-other/new.txt' }, 'x');
    expect(await other).toEqual({ changes: true });
    expect(answered() - before).toBe(1);
    await c.upload('files/upload', { path: '/poll/new.txt' }, 'y');
    expect(await poll).toEqual({ changes: true });
    const bad = await fetch(`${emu.url}/2/files/list_folder/longpoll`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ cursor, timeout: 5 }),
    });
    expect(bad.status).toBe(400);
  });
});
