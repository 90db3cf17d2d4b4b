// Write routes: upload modes, sessions and batch finishes, folders, delete, copy, move,
// search and the include_deleted views.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Readable } from 'node:stream';
import { contentHash } from '../../plugins/dropbox/api/content-hash.ts';
import { until } from '../helpers/wait.ts';
import { client, startEmulator, streamUpload, useEmulator, type Client, type Emulator } from './helpers.ts';

let emu: Emulator;
let c: Client;
let token: string;
useEmulator((s) => ({ emu, token, c } = s));
afterEach(() => vi.useRealTimers());

const MiB = 1024 * 1024;

describe('files/upload modes', () => {
  it('add: identical content is a no-op, different content a conflict, autorename picks "(1)" as Dropbox does', async () => {
    const first = (await c.upload('files/upload', { path: '/modes/a.txt' }, 'one')).json;
    const same = await c.upload('files/upload', { path: '/modes/a.txt' }, 'one');
    expect(same.status).toBe(200);
    expect(same.json.rev).toBe(first.rev);
    const strict = await c.upload('files/upload', { path: '/modes/a.txt', strict_conflict: true }, 'one');
    expect(strict.json.error).toMatchObject({
      '.tag': 'path',
      reason: { '.tag': 'conflict', conflict: { '.tag': 'file' } },
    });
    const diff = await c.upload('files/upload', { path: '/modes/a.txt' }, 'two');
    expect(diff.status).toBe(409);
    expect(diff.json.error_summary).toBe('path/conflict/file/..');
    const renamed = await c.upload('files/upload', { path: '/modes/a.txt', autorename: true }, 'two');
    expect(renamed.json.path_display).toBe('/modes/a (1).txt');
    const again = await c.upload('files/upload', { path: '/modes/a.txt', autorename: true }, 'three');
    expect(again.json.path_display).toBe('/modes/a (2).txt');
  });

  it('overwrite replaces and keeps the id; update(rev) replaces only that rev', async () => {
    const v1 = (await c.upload('files/upload', { path: '/modes/u.txt' }, 'v1')).json;
    const v2 = (await c.upload('files/upload', { path: '/modes/U.TXT', mode: 'overwrite' }, 'v2')).json;
    expect(v2.id).toBe(v1.id);
    expect(v2.path_display).toBe('/modes/u.txt');
    const stale = await c.upload(
      'files/upload',
      { path: '/modes/u.txt', mode: { '.tag': 'update', update: v1.rev } },
      'v3',
    );
    expect(stale.json.error.reason).toEqual({ '.tag': 'conflict', conflict: { '.tag': 'file' } });
    const copy = await c.upload(
      'files/upload',
      { path: '/modes/u.txt', mode: { '.tag': 'update', update: v1.rev }, autorename: true },
      'v3',
    );
    expect(copy.json.name).toBe('u (conflicted copy).txt');
    const ok = await c.upload(
      'files/upload',
      { path: '/modes/u.txt', mode: { '.tag': 'update', update: v2.rev } },
      'v4',
    );
    expect(ok.status).toBe(200);
    expect((await emu.files.get('sandy', '/modes/u.txt'))!.toString()).toBe('v4');
  });

  it('a folder at the target is a folder conflict', async () => {
    await c.rpc('files/create_folder_v2', { path: '/modes/dir' });
    expect((await c.upload('files/upload', { path: '/modes/dir' }, 'x')).json.error.reason).toEqual({
      '.tag': 'conflict',
      conflict: { '.tag': 'folder' },
    });
  });

  it('content_hash is checked', async () => {
    const bad = await c.upload('files/upload', { path: '/modes/h.txt', content_hash: contentHash('other') }, 'this');
    expect(bad.status).toBe(409);
    expect(bad.json).toEqual({ error_summary: 'content_hash_mismatch/..', error: { '.tag': 'content_hash_mismatch' } });
    expect(await emu.files.get('sandy', '/modes/h.txt')).toBeUndefined();
    expect(
      (await c.upload('files/upload', { path: '/modes/h.txt', content_hash: contentHash('this') }, 'this')).status,
    ).toBe(200);
  });

  it('more than 150 MiB in one upload is payload_too_large, even when streamed without a length', async () => {
    const total = 150 * MiB + 1;
    let sent = 0;
    const body = new Readable({
      read() {
        const n = Math.min(MiB, total - sent);
        sent += n;
        this.push(n > 0 ? Buffer.alloc(n) : null);
      },
    });
    const res = await streamUpload(emu, token, '/too-big.bin', body);
    expect(res.statusCode).toBe(409);
    expect(await res.body.json()).toEqual({
      error_summary: 'payload_too_large/..',
      error: { '.tag': 'payload_too_large' },
    });
    expect(await emu.files.get('sandy', '/too-big.bin')).toBeUndefined();
  });
});

describe('upload sessions', () => {
  it('a closed session refuses appends; finish_batch_v2 needs closed sessions', async () => {
    const a = (await c.upload('files/upload_session/start', { close: true }, 'aaa')).json.session_id;
    const closed = await c.upload('files/upload_session/append_v2', { cursor: { session_id: a, offset: 3 } }, 'more');
    expect(closed.json.error).toEqual({ '.tag': 'closed' });
    const b = (await c.upload('files/upload_session/start', {}, 'bbbb')).json.session_id;
    const r = await c.rpc('files/upload_session/finish_batch_v2', {
      entries: [
        { cursor: { session_id: a, offset: 3 }, commit: { path: '/batch/a.txt' } },
        { cursor: { session_id: b, offset: 4 }, commit: { path: '/batch/b.txt' } },
        { cursor: { session_id: 'pid_upload_session:nope', offset: 0 }, commit: { path: '/batch/c.txt' } },
      ],
    });
    expect(r.status).toBe(200);
    const [ea, eb, ec] = r.json.entries;
    expect(ea).toMatchObject({ '.tag': 'success', name: 'a.txt', path_display: '/batch/a.txt', size: 3 });
    expect(ea.metadata).toBeUndefined();
    expect(eb).toEqual({
      '.tag': 'failure',
      failure: { '.tag': 'lookup_failed', lookup_failed: { '.tag': 'not_closed' } },
    });
    expect(ec).toEqual({
      '.tag': 'failure',
      failure: { '.tag': 'lookup_failed', lookup_failed: { '.tag': 'not_found' } },
    });
  });

  it('finish checks the offset and content_hash; a path error leaves the session for a retry', async () => {
    const id = (await c.upload('files/upload_session/start', {}, 'hello ')).json.session_id;
    const off = await c.upload(
      'files/upload_session/finish',
      { cursor: { session_id: id, offset: 2 }, commit: { path: '/fin/x.txt' } },
      'world',
    );
    expect(off.json.error).toEqual({
      '.tag': 'lookup_failed',
      lookup_failed: { '.tag': 'incorrect_offset', correct_offset: 6 },
    });
    await c.rpc('files/create_folder_v2', { path: '/fin/x.txt' });
    const clash = await c.upload(
      'files/upload_session/finish',
      { cursor: { session_id: id, offset: 6 }, commit: { path: '/fin/x.txt' } },
      'world',
    );
    expect(clash.json.error).toEqual({ '.tag': 'path', path: { '.tag': 'conflict', conflict: { '.tag': 'folder' } } });
    const hash = await c.upload(
      'files/upload_session/finish',
      { cursor: { session_id: id, offset: 11 }, commit: { path: '/fin/y.txt' }, content_hash: contentHash('nope') },
      '',
    );
    expect(hash.json.error).toEqual({ '.tag': 'content_hash_mismatch' });
    const ok = await c.upload(
      'files/upload_session/finish',
      {
        cursor: { session_id: id, offset: 11 },
        commit: { path: '/fin/y.txt' },
        content_hash: contentHash('hello world'),
      },
      '',
    );
    expect(ok.json).toMatchObject({ path_display: '/fin/y.txt', size: 11 });
  });

  it('v1 finish_batch returns a job; finish_batch/check reports it complete', async () => {
    const id = (await c.upload('files/upload_session/start', { close: true }, 'v1')).json.session_id;
    const launch = await c.rpc('files/upload_session/finish_batch', {
      entries: [{ cursor: { session_id: id, offset: 2 }, commit: { path: '/v1/batch.txt' } }],
    });
    expect(launch.json['.tag']).toBe('async_job_id');
    const check = await c.rpc('files/upload_session/finish_batch/check', { async_job_id: launch.json.async_job_id });
    expect(check.json['.tag']).toBe('complete');
    expect(check.json.entries[0]).toMatchObject({ '.tag': 'success', path_display: '/v1/batch.txt' });
    const bad = await c.rpc('files/upload_session/finish_batch/check', { async_job_id: 'dbjid:nope' });
    expect(bad.json).toEqual({ error_summary: 'invalid_async_job_id/..', error: { '.tag': 'invalid_async_job_id' } });
  });

  it('concurrent sessions take 4 MiB-aligned pieces in any order', async () => {
    const start = await c.upload('files/upload_session/start', { session_type: 'concurrent' }, '');
    const id = start.json.session_id;
    expect((await c.upload('files/upload_session/start', { session_type: 'concurrent' }, 'data')).json.error).toEqual({
      '.tag': 'concurrent_session_data_not_allowed',
    });
    const p0 = Buffer.alloc(4 * MiB, 1);
    const p1 = Buffer.alloc(4 * MiB, 2);
    const p2 = Buffer.from('last piece');
    expect(
      (await c.upload('files/upload_session/append_v2', { cursor: { session_id: id, offset: 100 } }, p1)).json.error,
    ).toEqual({ '.tag': 'concurrent_session_invalid_offset' });
    expect(
      (await c.upload('files/upload_session/append_v2', { cursor: { session_id: id, offset: 0 } }, 'short')).json.error,
    ).toEqual({ '.tag': 'concurrent_session_invalid_data_size' });
    await Promise.all([
      c.upload('files/upload_session/append_v2', { cursor: { session_id: id, offset: 8 * MiB }, close: true }, p2),
      c.upload('files/upload_session/append_v2', { cursor: { session_id: id, offset: 4 * MiB } }, p1),
    ]);
    const early = await c.upload(
      'files/upload_session/finish',
      { cursor: { session_id: id, offset: 8 * MiB + p2.length }, commit: { path: '/conc.bin' } },
      '',
    );
    expect(early.json.error).toEqual({ '.tag': 'concurrent_session_missing_data' });
    await c.upload('files/upload_session/append_v2', { cursor: { session_id: id, offset: 0 } }, p0);
    const fin = await c.upload(
      'files/upload_session/finish',
      { cursor: { session_id: id, offset: 8 * MiB + p2.length }, commit: { path: '/conc.bin' } },
      '',
    );
    const whole = Buffer.concat([p0, p1, p2]);
    expect(fin.json).toMatchObject({ size: whole.length, content_hash: contentHash(whole) });
  });

  it('sessions are private to their account and expire after 7 days', async () => {
    const id = (await c.upload('files/upload_session/start', {}, 'abc')).json.session_id;
    const other = client(emu, emu.issueToken({ account: 'bob' }).accessToken);
    expect(
      (await other.upload('files/upload_session/append_v2', { cursor: { session_id: id, offset: 3 } }, 'd')).json.error,
    ).toEqual({ '.tag': 'not_found' });
    const fresh = emu.issueToken({ ttlSeconds: 30 * 24 * 3600 }).accessToken;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 7 * 24 * 3600 * 1000 + 60_000);
    const late = await client(emu, fresh).upload(
      'files/upload_session/append_v2',
      { cursor: { session_id: id, offset: 3 } },
      'd',
    );
    expect(late.json.error).toEqual({ '.tag': 'not_found' });
  });

  it('two sequential sessions run side by side; start_batch opens many', async () => {
    const [a, b] = await Promise.all([
      c.upload('files/upload_session/start', {}, 'A1'),
      c.upload('files/upload_session/start', {}, 'B1'),
    ]);
    await Promise.all([
      c.upload('files/upload_session/append_v2', { cursor: { session_id: a.json.session_id, offset: 2 } }, 'A2'),
      c.upload('files/upload_session/append_v2', { cursor: { session_id: b.json.session_id, offset: 2 } }, 'B2'),
    ]);
    const fa = await c.upload(
      'files/upload_session/finish',
      { cursor: { session_id: a.json.session_id, offset: 4 }, commit: { path: '/side/a' } },
      '',
    );
    const fb = await c.upload(
      'files/upload_session/finish',
      { cursor: { session_id: b.json.session_id, offset: 4 }, commit: { path: '/side/b' } },
      '',
    );
    expect([fa.json.size, fb.json.size]).toEqual([4, 4]);
    expect((await emu.files.get('sandy', '/side/b'))!.toString()).toBe('B1B2');
    const many = await c.rpc('files/upload_session/start_batch', { num_sessions: 3 });
    expect(new Set(many.json.session_ids).size).toBe(3);
  });
});

describe('folders', () => {
  it('create_folder_v2 returns FolderMetadata without .tag; conflicts; autorename', async () => {
    const r = await c.rpc('files/create_folder_v2', { path: '/Folders/New' });
    expect(r.json.metadata).toEqual({
      name: 'New',
      path_lower: '/folders/new',
      path_display: '/Folders/New',
      id: expect.stringMatching(/^id:/),
    });
    expect((await c.rpc('files/create_folder_v2', { path: '/folders/new' })).json.error_summary).toBe(
      'path/conflict/folder/..',
    );
    expect((await c.rpc('files/create_folder_v2', { path: '/folders/new', autorename: true })).json.metadata.name).toBe(
      'new (1)',
    );
  });

  it('create_folder_batch: complete at once, or a job with force_async', async () => {
    const r = await c.rpc('files/create_folder_batch', { paths: ['/cfb/a', '/cfb/b', '/cfb/a'] });
    expect(r.json['.tag']).toBe('complete');
    expect(r.json.entries.map((e: any) => e['.tag'])).toEqual(['success', 'success', 'failure']);
    expect(r.json.entries[0].metadata.path_display).toBe('/cfb/a');
    expect(r.json.entries[2].failure).toEqual({
      '.tag': 'path',
      path: { '.tag': 'conflict', conflict: { '.tag': 'folder' } },
    });
    const job = await c.rpc('files/create_folder_batch', { paths: ['/cfb/c'], force_async: true });
    expect(job.json['.tag']).toBe('async_job_id');
    const check = await c.rpc('files/create_folder_batch/check', { async_job_id: job.json.async_job_id });
    expect(check.json).toMatchObject({ '.tag': 'complete', entries: [{ '.tag': 'success' }] });
    expect((await c.rpc('files/create_folder_batch/check', { async_job_id: 'nope' })).json.error['.tag']).toBe(
      'invalid_async_job_id',
    );
  });
});

describe('delete', () => {
  it('delete_v2 returns the metadata it removed; errors nest under path_lookup/path_write', async () => {
    const f = (await c.upload('files/upload', { path: '/del/one.txt' }, '1')).json;
    const r = await c.rpc('files/delete_v2', { path: '/del/one.txt' });
    expect(r.json.metadata).toMatchObject({ '.tag': 'file', id: f.id, path_display: '/del/one.txt' });
    expect(await emu.files.get('sandy', '/del/one.txt')).toBeUndefined();
    expect((await c.rpc('files/delete_v2', { path: '/del/one.txt' })).json).toEqual({
      error_summary: 'path_lookup/not_found/..',
      error: { '.tag': 'path_lookup', path_lookup: { '.tag': 'not_found' } },
    });
    const g = (await c.upload('files/upload', { path: '/del/two.txt' }, '2')).json;
    expect(
      (await c.rpc('files/delete_v2', { path: '/del/two.txt', parent_rev: 'aaaaaaaaaaaa' })).json.error['.tag'],
    ).toBe('path_write');
    expect((await c.rpc('files/delete_v2', { path: '/del/two.txt', parent_rev: g.rev })).status).toBe(200);
  });

  it('deleting a folder removes its subtree', async () => {
    await c.upload('files/upload', { path: '/tree/x/y/z.txt' }, 'z');
    const r = await c.rpc('files/delete_v2', { path: '/tree' });
    expect(r.json.metadata['.tag']).toBe('folder');
    expect(emu.files.list('sandy').filter((p) => p.toLowerCase().startsWith('/tree'))).toEqual([]);
  });

  it('delete_batch launches a job whose check reports every entry', async () => {
    await c.upload('files/upload', { path: '/db/a' }, 'a');
    const launch = await c.rpc('files/delete_batch', { entries: [{ path: '/db/a' }, { path: '/db/missing' }] });
    expect(launch.json['.tag']).toBe('async_job_id');
    const check = await c.rpc('files/delete_batch/check', { async_job_id: launch.json.async_job_id });
    expect(check.json['.tag']).toBe('complete');
    expect(check.json.entries[0]).toMatchObject({
      '.tag': 'success',
      metadata: { '.tag': 'file', path_display: '/db/a' },
    });
    expect(check.json.entries[1]).toEqual({
      '.tag': 'failure',
      failure: { '.tag': 'path_lookup', path_lookup: { '.tag': 'not_found' } },
    });
  });

  it('include_deleted shows deleted entries in get_metadata and list_folder', async () => {
    await c.upload('files/upload', { path: '/trash/gone.txt' }, 'g');
    await c.upload('files/upload', { path: '/trash/here.txt' }, 'h');
    await c.rpc('files/delete_v2', { path: '/trash/gone.txt' });
    expect((await c.rpc('files/get_metadata', { path: '/trash/gone.txt' })).status).toBe(409);
    const d = await c.rpc('files/get_metadata', { path: '/trash/gone.txt', include_deleted: true });
    expect(d.json).toEqual({
      '.tag': 'deleted',
      name: 'gone.txt',
      path_lower: '/trash/gone.txt',
      path_display: '/trash/gone.txt',
    });
    const list = await c.rpc('files/list_folder', { path: '/trash', include_deleted: true });
    expect(list.json.entries.map((e: any) => `${e['.tag']}:${e.name}`).sort()).toEqual([
      'deleted:gone.txt',
      'file:here.txt',
    ]);
  });
});

describe('copy and move', () => {
  it('copy_v2 duplicates a subtree with new ids; move_v2 keeps ids', async () => {
    const f = (await c.upload('files/upload', { path: '/cm/src/f.txt' }, 'content')).json;
    const cp = await c.rpc('files/copy_v2', { from_path: '/cm/src', to_path: '/cm/copy' });
    expect(cp.json.metadata).toMatchObject({ '.tag': 'folder', path_display: '/cm/copy' });
    const copied = (await c.rpc('files/get_metadata', { path: '/cm/copy/f.txt' })).json;
    expect(copied.id).not.toBe(f.id);
    expect(copied.content_hash).toBe(f.content_hash);
    const mv = await c.rpc('files/move_v2', { from_path: '/cm/src/f.txt', to_path: '/cm/moved/g.txt' });
    expect(mv.json.metadata).toMatchObject({ '.tag': 'file', id: f.id, path_display: '/cm/moved/g.txt' });
    expect((await c.rpc('files/get_metadata', { path: f.id })).json.path_display).toBe('/cm/moved/g.txt');
    const caseOnly = await c.rpc('files/move_v2', { from_path: '/cm/moved/g.txt', to_path: '/cm/moved/G.txt' });
    expect(caseOnly.json.metadata.path_display).toBe('/cm/moved/G.txt');
  });

  it('errors: from_lookup, to conflict, autorename, moving into itself', async () => {
    await c.upload('files/upload', { path: '/cm2/a.txt' }, 'a');
    await c.upload('files/upload', { path: '/cm2/b.txt' }, 'b');
    expect((await c.rpc('files/copy_v2', { from_path: '/cm2/none', to_path: '/cm2/x' })).json.error).toEqual({
      '.tag': 'from_lookup',
      from_lookup: { '.tag': 'not_found' },
    });
    const clash = await c.rpc('files/move_v2', { from_path: '/cm2/a.txt', to_path: '/cm2/b.txt' });
    expect(clash.json).toEqual({
      error_summary: 'to/conflict/file/..',
      error: { '.tag': 'to', to: { '.tag': 'conflict', conflict: { '.tag': 'file' } } },
    });
    expect(
      (await c.rpc('files/copy_v2', { from_path: '/cm2/a.txt', to_path: '/cm2/b.txt', autorename: true })).json.metadata
        .name,
    ).toBe('b (1).txt');
    expect((await c.rpc('files/move_v2', { from_path: '/cm2', to_path: '/cm2/inner' })).json.error).toEqual({
      '.tag': 'cant_move_folder_into_itself',
    });
  });

  it('list_folder/continue sees a move as a deletion and an addition', async () => {
    await c.upload('files/upload', { path: '/mvwatch/a.txt' }, 'a');
    const cur = (await c.rpc('files/list_folder/get_latest_cursor', { path: '/mvwatch' })).json.cursor;
    await c.rpc('files/move_v2', { from_path: '/mvwatch/a.txt', to_path: '/mvwatch/b.txt' });
    const ch = await c.rpc('files/list_folder/continue', { cursor: cur });
    expect(ch.json.entries.map((e: any) => `${e['.tag']}:${e.name}`)).toEqual(['deleted:a.txt', 'file:b.txt']);
  });
});

describe('search_v2', () => {
  it('finds by name words, filters, pages with continue_v2', async () => {
    for (let i = 0; i < 5; i++) await c.upload('files/upload', { path: `/search/Quarterly Report ${i}.pdf` }, `r${i}`);
    await c.upload('files/upload', { path: '/search/quarterly notes.txt' }, 'n');
    const r = await c.rpc('files/search_v2', { query: 'quarterly report', options: { max_results: 2 } });
    expect(r.status).toBe(200);
    expect(r.json.matches).toHaveLength(2);
    expect(r.json.matches[0]).toMatchObject({
      metadata: { '.tag': 'metadata', metadata: { '.tag': 'file' } },
      match_type: { '.tag': 'filename' },
    });
    expect(r.json.has_more).toBe(true);
    const names = r.json.matches.map((m: any) => m.metadata.metadata.name);
    let page = r;
    while (page.json.has_more) {
      page = await c.rpc('files/search/continue_v2', { cursor: page.json.cursor });
      names.push(...page.json.matches.map((m: any) => m.metadata.metadata.name));
    }
    expect(names.sort()).toEqual([0, 1, 2, 3, 4].map((i) => `Quarterly Report ${i}.pdf`));
    const txt = await c.rpc('files/search_v2', {
      query: 'quarterly',
      options: { path: '/search', file_extensions: ['txt'] },
    });
    expect(txt.json.matches.map((m: any) => m.metadata.metadata.name)).toEqual(['quarterly notes.txt']);
    const hl = await c.rpc('files/search_v2', { query: 'notes', match_field_options: { include_highlights: true } });
    expect(hl.json.matches[0].highlight_spans).toEqual([
      { highlight_str: 'quarterly ', is_highlighted: false },
      { highlight_str: 'notes', is_highlighted: true },
      { highlight_str: '.txt', is_highlighted: false },
    ]);
    expect((await c.rpc('files/search_v2', { query: 'x', options: { path: '/nowhere' } })).json.error).toEqual({
      '.tag': 'path',
      path: { '.tag': 'not_found' },
    });
  });
});

describe('with a data directory', () => {
  it('stores contents on disk, removes them when no version uses them, joins concurrent pieces there', async () => {
    const { mkdtemp, readdir, rm } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = await mkdtemp(join(tmpdir(), 'dropcron-emulator-data-'));
    // No deleted file's versions kept, so a delete releases the bytes at once.
    const disk = await startEmulator({ dataDir: dir, deletedFilesKept: 0 });
    try {
      const d = client(disk, disk.issueToken().accessToken);
      const blobs = () => readdir(join(dir, 'blobs'));
      const a = await d.upload('files/upload', { path: '/a.txt' }, 'some bytes');
      expect(await blobs()).toEqual([expect.stringMatching(new RegExp(`^${a.json.content_hash}-`))]);
      await d.rpc('files/copy_v2', { from_path: '/a.txt', to_path: '/b.txt' });
      await d.rpc('files/delete_v2', { path: '/a.txt' });
      expect(await blobs()).toHaveLength(1); // the copy still uses it
      await d.rpc('files/delete_v2', { path: '/b.txt' });
      // Released bytes are unlinked in the background.
      await until(async () => (await blobs()).length === 0, 'the released blob to be unlinked');
      // Overwrites keep the last 3 versions (for rev: paths) and drop older bytes.
      for (let i = 0; i < 6; i++) await d.upload('files/upload', { path: '/v.txt', mode: 'overwrite' }, `version ${i}`);
      await until(async () => (await blobs()).length <= 3, 'old versions to be unlinked');
      expect(await blobs()).toHaveLength(3);
      const id = (await d.upload('files/upload_session/start', { session_type: 'concurrent' }, '')).json.session_id;
      const p0 = Buffer.alloc(4 * MiB, 3);
      await d.upload(
        'files/upload_session/append_v2',
        { cursor: { session_id: id, offset: 4 * MiB }, close: true },
        'tail',
      );
      await d.upload('files/upload_session/append_v2', { cursor: { session_id: id, offset: 0 } }, p0);
      const fin = await d.upload(
        'files/upload_session/finish',
        { cursor: { session_id: id, offset: 4 * MiB + 4 }, commit: { path: '/joined.bin' } },
        '',
      );
      const whole = Buffer.concat([p0, Buffer.from('tail')]);
      expect(fin.json.content_hash).toBe(contentHash(whole));
      expect((await d.download({ path: '/joined.bin' })).body.equals(whole)).toBe(true);
      // Pieces leave no spool files behind.
      expect(await readdir(join(dir, 'spool'))).toEqual([]);
    } finally {
      await disk.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
