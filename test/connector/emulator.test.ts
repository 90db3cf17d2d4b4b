// The connector against the Dropbox emulator over loopback HTTP: every operation,
// the error classes, retries under injected faults, token refresh under concurrency,
// Business headers, Unicode names and paths with spaces.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator } from '../../plugins/dropbox/emulator/index.ts';
import { contentHash } from '../../plugins/dropbox/api/content-hash.ts';
import {
  ConflictError,
  DropboxError,
  IncompleteListingError,
  InsufficientSpaceError,
  InvalidPathError,
  InvalidTokenError,
  MissingScopeError,
  NotFoundError,
  RateLimitError,
  ServerError,
  PathRootError,
  BadInputError,
} from '../../plugins/dropbox/api/errors.ts';
import { Transport } from '../../plugins/dropbox/api/http.ts';
import { makeClient, tempDir, pattern, type Emu } from './helpers.ts';
import { memberOf } from '../emulator/helpers.ts';
import { busyNamespaces } from '../../plugins/dropbox/api/namespace-queue.ts';
import { until } from '../helpers/wait.ts';
import type { Metadata } from '../../plugins/dropbox/api/types.ts';

const MiB = 1024 * 1024;
let emu: Emu;
let tmp: Awaited<ReturnType<typeof tempDir>>;

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  tmp = await tempDir();
});
afterAll(async () => {
  await emu?.close();
  await tmp?.cleanup();
});
beforeEach(() => {
  emu.faults.clear?.();
  emu.faults.set({ latencyMs: 0, concurrentWriteLimit: false, quotaBytes: undefined });
});

const since = (n: number) => emu.requests.slice(n);
async function collect(it: AsyncIterable<Metadata>): Promise<Metadata[]> {
  const out: Metadata[] = [];
  for await (const m of it) out.push(m);
  return out;
}
const asBuf = async (v: unknown) => Buffer.from((await v) as Buffer);
// Buffer.equals: vitest's deep equality walks a Buffer index by index (minutes for MiBs).
const same = (a: Buffer, b: Buffer) => a.length === b.length && a.equals(b);

describe('account', () => {
  it('reads the account and space usage', async () => {
    const { client } = makeClient(emu);
    const a = await client.getCurrentAccount();
    expect(a.email).toBe('sandy@example.com');
    expect(a.root_info.root_namespace_id).toBe(a.root_info.home_namespace_id);
    const u = await client.getSpaceUsage();
    expect(typeof u.used).toBe('number');
    expect(u.allocation['.tag']).toBe('individual');
  });
});

describe('folders, metadata, listings', () => {
  it('creates folders idempotently with ensure, conflicts without', async () => {
    const { client } = makeClient(emu);
    const f = await client.createFolder('/Projects/2026 plans/');
    expect(f.path_display).toBe('/Projects/2026 plans');
    expect((await client.createFolder('/Projects/2026 plans')).id).toBe(f.id);
    const err = await client.createFolder('/Projects/2026 plans', { ensure: false }).catch((e) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.tags.slice(0, 3)).toEqual(['path', 'conflict', 'folder']);
  });

  it('getMetadata: file, folder, and undefined for nothing', async () => {
    const { client } = makeClient(emu);
    await emu.files.put('sandy', '/meta/a.txt', 'abc');
    const md = await client.getMetadata('/meta/a.txt');
    expect(md?.['.tag']).toBe('file');
    expect(md && 'size' in md ? md.size : -1).toBe(3);
    expect((await client.getMetadata('/meta'))?.['.tag']).toBe('folder');
    expect(await client.getMetadata('/meta/nothing-here')).toBeUndefined();
    await expect(client.getMetadata('')).rejects.toBeInstanceOf(InvalidPathError);
  });

  it('lists every page (has_more/cursor), recursively, and the root as ""', async () => {
    const { client } = makeClient(emu);
    for (let i = 0; i < 23; i++) await emu.files.put('sandy', `/many/f${String(i).padStart(2, '0')}.txt`, `x${i}`);
    await emu.files.put('sandy', '/many/sub/deep.txt', 'deep');
    const n = emu.requests.length;
    const flat = await collect(client.listFolder('/many/', { limit: 5 }));
    expect(flat.filter((e) => e['.tag'] === 'file').length).toBe(23);
    expect(since(n).filter((r) => r.route === 'files/list_folder/continue').length).toBeGreaterThanOrEqual(4);
    const all = await collect(client.listFolder('/many', { recursive: true, limit: 7 }));
    expect(all.some((e) => e.path_lower === '/many/sub/deep.txt')).toBe(true);
    const root = await collect(client.listFolder('/'));
    expect(root.some((e) => e.name === 'many')).toBe(true);
  });

  it('a listing that cannot be finished is an error, never a short list', async () => {
    const { client } = makeClient(
      emu,
      { account: 'sandy' },
      { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } },
    );
    for (let i = 0; i < 6; i++) await emu.files.put('sandy', `/partial/f${i}`, 'x');
    emu.faults.inject({ route: 'files/list_folder/continue', times: 5, fault: { status: 503 } });
    const seen: Metadata[] = [];
    const err = await (async () => {
      for await (const e of client.listFolder('/partial', { limit: 2 })) seen.push(e);
    })().catch((e) => e);
    expect(err).toBeInstanceOf(IncompleteListingError);
    expect(err.message).toMatch(/listing of "\/partial" is incomplete after 2 entries/);
    expect(seen.length).toBe(2);
  });

  it('restarts once after a cursor reset, handing out each entry once', async () => {
    const { client } = makeClient(emu);
    for (let i = 0; i < 7; i++) await emu.files.put('sandy', `/reset/f${i}`, 'x');
    const names: string[] = [];
    let resetDone = false;
    const n = emu.requests.length;
    for await (const e of client.listFolder('/reset', { limit: 3 })) {
      names.push(e.name);
      if (!resetDone && names.length === 2) {
        emu.resetCursors();
        resetDone = true;
      }
    }
    expect(names.sort()).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6']);
    expect(since(n).filter((r) => r.route === 'files/list_folder').length).toBe(2);
  });

  it('search finds by name', async () => {
    const { client } = makeClient(emu);
    await emu.files.put('sandy', '/search/quarterly-report.pdf', 'pdf');
    const hits = await collect(client.search('quarterly', { path: '/search' }));
    expect(hits.map((h) => h.path_lower)).toContain('/search/quarterly-report.pdf');
  });
});

describe('upload and download', () => {
  it.each([
    ['accents', '/Ünïcödé/Crème brûlée.txt'],
    ['emoji', '/emoji/party 🎉😀.txt'],
    ['CJK', '/日本語/報告書 2026.txt'],
    ['spaces', '/with space/a  b .txt'],
    ['NFD kept as sent', '/nfd/Cafe\u0301.txt'],
  ])('round-trips %s names', async (_k, remote) => {
    const { client } = makeClient(emu);
    const data = pattern(1000 + remote.length, remote.length);
    const local = await tmp.file(`up-${remote.length}`, data);
    const md = await client.upload(local, remote, { mode: 'overwrite' });
    expect(md.name).toBe(remote.split('/').pop());
    expect(md.content_hash).toBe(contentHash(data));
    expect(same(await asBuf(emu.files.get('sandy', remote)), data)).toBe(true);
    const back = join(tmp.dir, `down-${remote.length}`);
    const dmd = await client.download(remote, back);
    expect(dmd.name).toBe(md.name);
    expect(same(await readFile(back), data)).toBe(true);
  });

  it('streams a large file through an upload session in 4 MiB chunks, reporting progress', async () => {
    const { client } = makeClient(emu, { account: 'sandy' }, { chunkSize: 4 * MiB, simpleUploadMax: 4 * MiB });
    const data = pattern(10 * MiB + 123, 7);
    const local = await tmp.file('big.bin', data);
    const n = emu.requests.length;
    const progress: Array<[number, number]> = [];
    const md = await client.upload(local, '/big/big.bin', { onProgress: (d, t) => progress.push([d, t]) });
    const routes = since(n).map((r) => r.route);
    expect(routes.filter((r) => r === 'files/upload_session/start').length).toBe(1);
    expect(routes.filter((r) => r === 'files/upload_session/append_v2').length).toBe(2);
    expect(routes.filter((r) => r === 'files/upload_session/finish').length).toBe(1);
    expect(md.size).toBe(data.length);
    expect(md.content_hash).toBe(contentHash(data));
    expect(progress.at(-1)).toEqual([data.length, data.length]);
    expect(progress.every(([d, t]) => d >= 0 && d <= t && t === data.length)).toBe(true);
  });

  it('uploads a large file with parallel appends to a concurrent session', async () => {
    const { client } = makeClient(
      emu,
      { account: 'sandy' },
      { chunkSize: 4 * MiB, simpleUploadMax: 4 * MiB, parallelChunks: 3 },
    );
    const data = pattern(17 * MiB + 5, 9);
    const local = await tmp.file('par.bin', data);
    const md = await client.upload(local, '/big/par.bin');
    expect(md.content_hash).toBe(contentHash(data));
    expect(same(await asBuf(emu.files.get('sandy', '/big/par.bin')), data)).toBe(true);
  });

  it('add mode conflicts with a clear message; overwrite replaces', async () => {
    const { client } = makeClient(emu);
    const a = await tmp.file('c1', 'first');
    const b = await tmp.file('c2', 'second');
    await client.upload(a, '/conflict/x.txt');
    const err = await client.upload(b, '/conflict/x.txt').catch((e) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.message).toContain('"/conflict/x.txt" already exists');
    expect(err.message).toContain("mode 'overwrite'");
    const md = await client.upload(b, '/conflict/x.txt', { mode: 'overwrite' });
    expect(md.size).toBe(6);
  });

  it('downloads to a temp file, renames, keeps client_modified; leaves no temp behind', async () => {
    const { client } = makeClient(emu);
    const data = pattern(300_000, 3);
    const local = await tmp.file('mtime-src', data);
    const when = new Date('2024-02-03T04:05:06Z');
    await client.upload(local, '/dl/m.bin', { clientModified: when, mode: 'overwrite' });
    const target = join(tmp.dir, 'm.bin');
    const md = await client.download('/dl/m.bin', target, { onProgress: () => {} });
    expect(md.client_modified).toBe('2024-02-03T04:05:06Z');
    expect((await stat(target)).mtime.toISOString()).toBe('2024-02-03T04:05:06.000Z');
    expect((await readdir(tmp.dir)).filter((f) => f.includes('dropcron-part'))).toEqual([]);
    const err = await client.download('/dl/none.bin', join(tmp.dir, 'none.bin')).catch((e) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((await readdir(tmp.dir)).filter((f) => f.includes('dropcron-part') || f === 'none.bin')).toEqual([]);
  });

  it('an aborted download stops and leaves no target file, only its part (to resume)', async () => {
    const { client } = makeClient(emu);
    await emu.files.put('sandy', '/dl/slow.bin', pattern(2 * MiB, 8));
    emu.faults.set({ bandwidthBytesPerSec: 512 * 1024 });
    const ac = new AbortController();
    let seen = 0;
    const err = await client
      .download('/dl/slow.bin', join(tmp.dir, 'slow.bin'), {
        signal: ac.signal,
        onProgress: (d) => {
          seen = d;
          if (d > 0) ac.abort(new Error('job cancelled'));
        },
      })
      .catch((e) => e);
    emu.faults.set({ bandwidthBytesPerSec: 0 });
    expect(err.message).toBe('job cancelled');
    expect(seen).toBeGreaterThan(0);
    // The part file stays for the next run to resume (test/connector/part-files.test.ts).
    expect((await readdir(tmp.dir)).filter((f) => f.includes('slow.bin'))).toEqual([
      expect.stringMatching(/^\.slow\.bin\.[0-9a-f]+\.\d+-\d+\.dropcron-part$/),
    ]);
  });

  it('resumes a download with Range after a dropped connection', async () => {
    const { client } = makeClient(emu);
    const data = pattern(3 * MiB, 5);
    await emu.files.put('sandy', '/dl/resume.bin', data);
    emu.faults.inject({ route: 'files/download', times: 1, fault: { dropAfterBytes: MiB } });
    const n = emu.requests.length;
    const target = join(tmp.dir, 'resume.bin');
    await client.download('/dl/resume.bin', target);
    expect(same(await readFile(target), data)).toBe(true);
    const dl = since(n).filter((r) => r.route === 'files/download');
    expect(dl.length).toBe(2);
    expect(String(dl[1]!.headers.range ?? '')).toMatch(/^bytes=\d+-$/);
    expect(dl[1]!.bytesOut).toBeLessThan(data.length);
  });
});

describe('retries under injected faults', () => {
  it('retries 503 and 429 (Retry-After) on upload, and too_many_write_operations on finish', async () => {
    const { client } = makeClient(emu, { account: 'sandy' }, { chunkSize: 4 * MiB, simpleUploadMax: 4 * MiB });
    const small = await tmp.file('r1', 'retry me');
    emu.faults.inject({ route: 'files/upload', times: 2, fault: { status: 503 } });
    expect((await client.upload(small, '/retry/a.txt', { mode: 'overwrite' })).size).toBe(8);
    emu.faults.inject({ route: 'files/upload', times: 1, fault: { rateLimit: 0 } });
    expect((await client.upload(small, '/retry/b.txt', { mode: 'overwrite' })).size).toBe(8);
    const big = await tmp.file('r2', pattern(5 * MiB, 2));
    emu.faults.inject({ route: 'files/upload_session/finish', times: 1, fault: { tooManyWriteOperations: true } });
    expect((await client.upload(big, '/retry/c.bin', { mode: 'overwrite' })).size).toBe(5 * MiB);
  });

  it('does not repeat an add+autorename upload after a 503 (a repeat could create a second copy)', async () => {
    const { client } = makeClient(emu);
    const f = await tmp.file('ar', 'auto');
    emu.faults.inject({ route: 'files/upload', times: 1, fault: { status: 503 } });
    const n = emu.requests.length;
    await expect(client.upload(f, '/retry/auto.txt', { autorename: true })).rejects.toBeInstanceOf(ServerError);
    expect(since(n).filter((r) => r.route === 'files/upload').length).toBe(1);
  });

  it('resumes an upload session after a connection dropped mid-append', async () => {
    const { client } = makeClient(emu, { account: 'sandy' }, { chunkSize: 4 * MiB, simpleUploadMax: 4 * MiB });
    const data = pattern(13 * MiB, 11);
    const local = await tmp.file('drop.bin', data);
    emu.faults.inject({ route: 'files/upload_session/append_v2', times: 1, fault: { dropAfterBytes: MiB } });
    const md = await client.upload(local, '/retry/drop.bin', { mode: 'overwrite' });
    expect(md.content_hash).toBe(contentHash(data));
    expect(same(await asBuf(emu.files.get('sandy', '/retry/drop.bin')), data)).toBe(true);
  });

  it('a finish whose reply was lost is confirmed by content_hash, not failed', async () => {
    const { client } = makeClient(emu, { account: 'sandy' }, { chunkSize: 4 * MiB, simpleUploadMax: 4 * MiB });
    const data = pattern(5 * MiB, 12);
    const local = await tmp.file('lost-finish.bin', data);
    // finish has an empty body: a drop after 0 bytes cuts the reply after the commit.
    emu.faults.inject({ route: 'files/upload_session/finish', times: 1, fault: { dropAfterBytes: 0 } });
    const n = emu.requests.length;
    const md = await client.upload(local, '/retry/lost-finish.bin', { mode: 'overwrite' });
    expect(md.content_hash).toBe(contentHash(data));
    const routes = since(n).map((r) => `${r.route} ${r.status}`);
    expect(routes).toContain('files/upload_session/finish 0');
    expect(routes).toContain('files/get_metadata 200');
  });

  it('gives up with RateLimitError when throttled past maxThrottledMs', async () => {
    const { client } = makeClient(
      emu,
      { account: 'sandy' },
      { retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2, maxThrottledMs: 500 } },
    );
    emu.faults.inject({ route: 'users/get_space_usage', times: 1, fault: { rateLimit: 1 } });
    await expect(client.getSpaceUsage()).rejects.toBeInstanceOf(RateLimitError);
    expect(client.stats().throttled).toBe(1);
  });
});

describe('tokens', () => {
  it('refreshes once for 50 concurrent calls that all see 401 expired_access_token', async () => {
    const { client, token } = makeClient(emu);
    await client.getSpaceUsage();
    expect(token.counter.refreshes).toBe(1); // the first token
    emu.expireAccessTokens();
    const rs = await Promise.all(Array.from({ length: 50 }, () => client.getSpaceUsage()));
    expect(rs.length).toBe(50);
    expect(token.counter.refreshes).toBe(2);
  });

  it('an injected expired token costs one refresh and a replay', async () => {
    const { client, token } = makeClient(emu);
    await client.getSpaceUsage();
    emu.faults.inject({ route: 'users/get_space_usage', times: 1, fault: { expiredToken: true } });
    await client.getSpaceUsage();
    expect(token.counter.refreshes).toBe(2);
  });

  it('a 401 in the middle of an upload session refreshes and re-sends the chunk from the file', async () => {
    const { client, token } = makeClient(emu, { account: 'sandy' }, { chunkSize: 4 * MiB, simpleUploadMax: 4 * MiB });
    const data = pattern(9 * MiB, 13);
    const local = await tmp.file('mid-401.bin', data);
    await client.getSpaceUsage();
    emu.faults.inject({ route: 'files/upload_session/append_v2', times: 1, fault: { expiredToken: true } });
    const md = await client.upload(local, '/retry/mid-401.bin', { mode: 'overwrite' });
    expect(md.content_hash).toBe(contentHash(data));
    expect(token.counter.refreshes).toBe(2);
  });

  it('missing_scope names the scope; an invalid token says reconnect', async () => {
    const { client } = makeClient(emu, { account: 'sandy', scopes: ['account_info.read', 'files.metadata.read'] });
    const f = await tmp.file('scope', 'x');
    const err = await client.upload(f, '/scope.txt').catch((e) => e);
    expect(err).toBeInstanceOf(MissingScopeError);
    expect(err.message).toMatch(/'files\.content\.write'.*connection's scopes.*App Console.*sign in again/);
    const bad = makeClient(emu);
    const t = new Transport({
      dispatcher: bad.dispatcher,
      token: { token: async () => 'sl.not-a-token', refresh: async () => 'sl.not-a-token' },
      api: emu.url,
      content: emu.url,
    });
    await expect(t.send({ route: 'users/get_space_usage', style: 'rpc', idempotency: 'safe' })).rejects.toBeInstanceOf(
      InvalidTokenError,
    );
  });
});

describe('errors', () => {
  it("400 plain-text bad input is BadInputError with Dropbox's text", async () => {
    const { dispatcher, token } = makeClient(emu);
    const t = new Transport({ dispatcher, token, api: emu.url, content: emu.url });
    const err = await t
      .send({ route: 'files/list_folder', style: 'rpc', arg: { path: '/', recursive: 'yes' }, idempotency: 'safe' })
      .catch((e) => e);
    expect(err).toBeInstanceOf(BadInputError);
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/^files\/list_folder: Dropbox rejected the request as malformed: /);
  });

  it('insufficient_space says how much is needed', async () => {
    const { client } = makeClient(emu);
    emu.faults.set({ quotaBytes: 1000 });
    const f = await tmp.file('space', pattern(50_000));
    const err = await client.upload(f, '/space/too-big.bin').catch((e) => e);
    expect(err).toBeInstanceOf(InsufficientSpaceError);
    expect(err.message).toMatch(/needs 49 KiB/);
  });

  it('invalid paths fail before any request', async () => {
    const { client } = makeClient(emu);
    const n = emu.requests.length;
    await expect(client.delete('relative/path')).rejects.toBeInstanceOf(InvalidPathError);
    await expect(client.createFolder('/a//b')).rejects.toThrow(/empty component/);
    expect(emu.requests.length).toBe(n);
  });
});

describe('delete, copy, move', () => {
  it('deletes one path and a batch, each entry reported', async () => {
    const { client } = makeClient(emu);
    for (const p of ['/del/a', '/del/b', '/del/c']) await emu.files.put('sandy', p, 'x');
    expect((await client.delete('/del/a')).name).toBe('a');
    const rs = await client.deleteBatch(['/del/b', '/del/missing', 'bad', '/del/c']);
    expect(rs[0]!.metadata?.name).toBe('b');
    expect(rs[1]!.error).toBeInstanceOf(NotFoundError);
    expect(rs[2]!.error).toBeInstanceOf(InvalidPathError);
    expect(rs[3]!.metadata?.name).toBe('c');
    expect(await client.getMetadata('/del/c')).toBeUndefined();
    expect(emu.requests.some((r) => r.route === 'files/delete_batch')).toBe(true);
  });

  it('deletes a file only while it is still the revision named by parentRev', async () => {
    const { client } = makeClient(emu);
    const v1 = (await emu.files.put('sandy', '/del/rev.txt', 'one')) as { rev: string };
    await emu.files.put('sandy', '/del/rev.txt', 'two, written after we read one');
    const err = await client.delete('/del/rev.txt', { parentRev: v1.rev }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DropboxError);
    expect((err as DropboxError).mentions('conflict')).toBe(true);
    expect((await emu.files.get('sandy', '/del/rev.txt'))!.toString()).toBe('two, written after we read one');
    const [batched] = await client.deleteBatch([{ path: '/del/rev.txt', parentRev: v1.rev }]);
    expect((batched!.error as DropboxError).mentions('conflict')).toBe(true);
    expect(await emu.files.get('sandy', '/del/rev.txt')).toBeDefined();
    const current = (await client.getMetadata('/del/rev.txt')) as { rev: string };
    expect((await client.delete('/del/rev.txt', { parentRev: current.rev })).name).toBe('rev.txt');
    expect(await client.getMetadata('/del/rev.txt')).toBeUndefined();
  });

  it('a delete whose reply was lost is reported deleted, not not_found, on the replay', async () => {
    const { client } = makeClient(emu);
    await emu.files.put('sandy', '/del/lost', 'x');
    await client.getSpaceUsage(); // token and connection ready
    await client.createFolder('/del'); // namespace known, so the next request is the delete
    // Drop after exactly the request body: Dropbox deletes, the reply is cut.
    emu.faults.inject({
      route: 'files/delete_v2',
      times: 1,
      fault: { dropAfterBytes: JSON.stringify({ path: '/del/lost' }).length },
    });
    const n = emu.requests.length;
    const md = await client.delete('/del/lost');
    expect(md).toMatchObject({ '.tag': 'deleted', name: 'lost' });
    expect(
      since(n)
        .filter((r) => r.route === 'files/delete_v2')
        .map((r) => r.status),
    ).toEqual([0, 409]);
  });

  it('copies and moves', async () => {
    const { client } = makeClient(emu);
    await emu.files.put('sandy', '/mv/src.txt', 'content');
    expect((await client.copy('/mv/src.txt', '/mv/copy.txt')).name).toBe('copy.txt');
    expect((await client.move('/mv/copy.txt', '/mv/moved.txt')).name).toBe('moved.txt');
    expect(await client.getMetadata('/mv/copy.txt')).toBeUndefined();
    await expect(client.copy('/mv/src.txt', '/mv/moved.txt')).rejects.toBeInstanceOf(ConflictError);
  });
});

describe('uploadMany', () => {
  it('commits many files with one finish_batch_v2, reporting each entry', async () => {
    const { client } = makeClient(emu);
    await emu.files.put('sandy', '/many-up/exists.txt', 'old');
    const items = [];
    for (let i = 0; i < 30; i++)
      items.push({ localPath: await tmp.file(`m${i}`, pattern(16 * 1024, i)), remotePath: `/many-up/f${i}.bin` });
    items.push({ localPath: await tmp.file('mx', 'new'), remotePath: '/many-up/exists.txt' });
    items.push({ localPath: await tmp.file('my', 'y'), remotePath: 'no-slash' });
    const n = emu.requests.length;
    const last = new Map<string, [number, number]>();
    const rs = await client.uploadMany(items, { onProgress: (it, d, t) => last.set(it.remotePath, [d, t]) });
    expect(last.get('/many-up/f7.bin')).toEqual([16 * 1024, 16 * 1024]);
    expect(rs.slice(0, 30).every((r, i) => r.metadata?.content_hash === contentHash(pattern(16 * 1024, i)))).toBe(true);
    expect(rs[30]!.error).toBeInstanceOf(ConflictError);
    expect(rs[31]!.error).toBeInstanceOf(InvalidPathError);
    const routes = since(n).map((r) => r.route);
    expect(routes.filter((r) => r === 'files/upload_session/finish_batch_v2').length).toBe(1);
    expect(routes.filter((r) => r === 'files/upload').length).toBe(0);
  });
});

describe('uploadMany with large files', () => {
  it('sends multi-chunk files through closed sessions in the same batch', async () => {
    const { client } = makeClient(emu, { account: 'sandy' }, { chunkSize: 4 * MiB });
    const big = pattern(9 * MiB + 3, 21);
    const items = [
      { localPath: await tmp.file('many-big', big), remotePath: '/many-big/big.bin', mode: 'overwrite' as const },
      {
        localPath: await tmp.file('many-small', 'small'),
        remotePath: '/many-big/small.txt',
        mode: 'overwrite' as const,
      },
    ];
    const n = emu.requests.length;
    const rs = await client.uploadMany(items);
    expect(rs[0]!.metadata?.content_hash).toBe(contentHash(big));
    expect(rs[1]!.metadata?.size).toBe(5);
    const routes = since(n).map((r) => r.route);
    expect(routes.filter((r) => r === 'files/upload_session/append_v2').length).toBe(2);
    expect(routes.filter((r) => r === 'files/upload_session/finish_batch_v2').length).toBe(1);
  });
});

describe('uploadMany batching', () => {
  it('splits commits into batches of finishBatchSize and retries a throttled batch', async () => {
    const { client } = makeClient(emu, { account: 'sandy' }, { finishBatchSize: 10 });
    const items = [];
    for (let i = 0; i < 25; i++)
      items.push({
        localPath: await tmp.file(`b${i}`, `batch ${i}`),
        remotePath: `/batches/b${i}.txt`,
        mode: 'overwrite' as const,
      });
    emu.faults.inject({
      route: 'files/upload_session/finish_batch_v2',
      times: 1,
      fault: { tooManyWriteOperations: true },
    });
    const n = emu.requests.length;
    const rs = await client.uploadMany(items);
    expect(rs.filter((r) => r.metadata).length).toBe(25);
    const batches = since(n).filter((r) => r.route === 'files/upload_session/finish_batch_v2');
    expect(batches.map((r) => r.status)).toEqual([429, 200, 200, 200]);
  });
});

describe('namespace queue', () => {
  it('two clients of one namespace take turns committing and never collide on its lock', async () => {
    // Two connections (or two jobs) of the same account: the queue must be process-wide, not per client.
    const [one, two] = [makeClient(emu).client, makeClient(emu).client];
    // Each body takes about 30 ms to arrive, and the emulator holds the lock meanwhile.
    emu.faults.set({ concurrentWriteLimit: true, bandwidthBytesPerSec: 1024 * 1024 });
    const files = await Promise.all(Array.from({ length: 8 }, (_, i) => tmp.file(`q${i}`, pattern(32 * 1024, i))));
    const n = emu.requests.length;
    try {
      await Promise.all(files.map((f, i) => (i % 2 ? two : one).upload(f, `/queue/q${i}.txt`, { mode: 'overwrite' })));
    } finally {
      emu.faults.set({ bandwidthBytesPerSec: undefined });
    }
    // A collision is a 429 that the connector retries, so it would show here as a ninth request.
    const statuses = since(n)
      .filter((r) => r.route === 'files/upload')
      .map((r) => r.status);
    expect(statuses).toEqual(Array(8).fill(200));
  });

  it('a commit in another namespace does not wait for a slow one', async () => {
    const sandy = makeClient(emu, { account: 'sandy' }).client;
    const bob = makeClient(emu, { account: 'bob' }).client;
    const slowFile = await tmp.file('ns-slow', pattern(256 * 1024, 9));
    const fastFile = await tmp.file('ns-fast', 'b');
    emu.faults.set({ bandwidthBytesPerSec: 256 * 1024 }); // Sandy's body takes about 1 s; Bob's byte none
    try {
      let slowDone = false;
      const slow = sandy.upload(slowFile, '/ns/slow.bin', { mode: 'overwrite' }).finally(() => (slowDone = true));
      await until(() => busyNamespaces().length > 0, "Sandy's commit to hold her namespace");
      await bob.upload(fastFile, '/ns/fast.txt', { mode: 'overwrite' });
      expect(slowDone).toBe(false);
      expect((await slow).size).toBe(256 * 1024);
    } finally {
      emu.faults.set({ bandwidthBytesPerSec: undefined });
    }
  });
});

describe('Business', () => {
  it('team space: Path-Root from root_info, Select-User passed through', async () => {
    const alice = makeClient(emu, { account: 'alice' });
    const acct = await alice.client.getCurrentAccount();
    expect(acct.root_info['.tag']).toBe('team');
    const { client } = makeClient(emu, { account: 'alice' }, { business: { pathRoot: 'team' } });
    const f = await tmp.file('team', 'team data');
    const n = emu.requests.length;
    await client.upload(f, '/Team Shared/report.txt', { mode: 'overwrite' });
    const up = since(n).find((r) => r.route === 'files/upload')!;
    expect(JSON.parse(String(up.headers['dropbox-api-path-root']))).toEqual({
      '.tag': 'root',
      root: acct.root_info.root_namespace_id,
    });
    const listed = await collect(client.listFolder(''));
    expect(listed.some((e) => e.name === 'Team Shared')).toBe(true);
  });

  it('app-folder apps never send Path-Root', async () => {
    const { client } = makeClient(
      emu,
      { account: 'sandy', app: 'appfolder-app' },
      { appFolder: true, business: { pathRoot: 'team' } },
    );
    const f = await tmp.file('af', 'app');
    const n = emu.requests.length;
    await client.upload(f, '/in-app-folder.txt', { mode: 'overwrite' });
    expect(since(n).every((r) => r.headers['dropbox-api-path-root'] === undefined)).toBe(true);
  });

  it('a team token acts as a member with Select-User', async () => {
    const bob = memberOf(emu, 'bob').memberId;
    const { client } = makeClient(emu, { account: 'alice', team: true }, { business: { selectUser: bob } });
    const n = emu.requests.length;
    const a = await client.getCurrentAccount();
    expect(a.email).toBe('bob@acme.example');
    expect(since(n)[0]!.headers['dropbox-api-select-user']).toBe(bob);
  });

  it('Select-Admin is sent for an admin acting on team content', async () => {
    const alice = memberOf(emu, 'alice').memberId;
    const { client } = makeClient(emu, { account: 'alice', team: true }, { business: { selectAdmin: alice } });
    const n = emu.requests.length;
    await client.getCurrentAccount();
    expect(since(n)[0]!.headers['dropbox-api-select-admin']).toBe(alice);
    expect(since(n)[0]!.status).toBe(200);
  });

  it('a namespace without permission is a PathRootError', async () => {
    const { client } = makeClient(emu, { account: 'sandy' }, { business: { pathRoot: 'ns:2004' } });
    await expect(client.getMetadata('/x')).rejects.toBeInstanceOf(PathRootError);
  });
});
