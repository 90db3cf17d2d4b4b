// Injected faults and continuous realism: 5xx, 429, write contention, dropped
// connections, expired tokens, quota, failure rate, rate limit, latency, bandwidth.
import { beforeEach, describe, expect, it } from 'vitest';
import {
  client,
  headerSafeJson,
  streamUpload,
  useEmulator,
  type Client,
  type Emulator,
  type Reply,
} from './helpers.ts';
import { request } from 'undici';
import { PassThrough } from 'node:stream';
import { until } from '../helpers/wait.ts';

let emu: Emulator;
let c: Client;
let token: string;
useEmulator((s) => ({ emu, token, c } = s));
beforeEach(() => {
  emu.faults.clear();
  emu.faults.set({
    latencyMs: 0,
    bandwidthBytesPerSec: undefined,
    failureRate: 0,
    rateLimitPerSecond: undefined,
    quotaBytes: undefined,
    concurrentWriteLimit: false,
  });
});

describe('injected faults', () => {
  it('status faults hit the next N matching requests only', async () => {
    emu.faults.inject({ route: 'files/list_folder', times: 2, fault: { status: 503 } });
    expect((await c.rpc('users/get_current_account')).status).toBe(200);
    const first = await c.rpc('files/list_folder', { path: '' });
    expect(first.status).toBe(503);
    expect(first.headers.get('content-type')).toMatch(/^text\/plain/);
    expect((await c.rpc('files/list_folder', { path: '' })).status).toBe(503);
    expect((await c.rpc('files/list_folder', { path: '' })).status).toBe(200);
    emu.faults.inject({ route: '*', fault: { status: 500 } });
    expect((await c.rpc('users/get_space_usage')).status).toBe(500);
    expect((await c.rpc('users/get_space_usage')).status).toBe(200);
  });

  it('rateLimit answers 429 too_many_requests with Retry-After', async () => {
    emu.faults.inject({ route: 'files/get_metadata', fault: { rateLimit: 7 } });
    const r = await c.rpc('files/get_metadata', { path: '/x' });
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('7');
    expect(r.json).toEqual({
      error_summary: 'too_many_requests/..',
      error: { reason: { '.tag': 'too_many_requests' }, retry_after: 7 },
    });
  });

  it("tooManyWriteOperations takes each route's shape", async () => {
    emu.faults.inject({ route: 'files/upload', fault: { tooManyWriteOperations: true } });
    const up = await c.upload('files/upload', { path: '/tmw.txt' }, 'x');
    expect(up.status).toBe(429);
    expect(up.json.error.reason).toEqual({ '.tag': 'too_many_write_operations' });
    emu.faults.inject({ route: 'files/create_folder_v2', fault: { tooManyWriteOperations: true } });
    const cf = await c.rpc('files/create_folder_v2', { path: '/tmw' });
    expect(cf.status).toBe(409);
    expect(cf.json.error).toEqual({ '.tag': 'path', path: { '.tag': 'too_many_write_operations' } });
    emu.faults.inject({ route: 'files/delete_v2', fault: { tooManyWriteOperations: true } });
    expect((await c.rpc('files/delete_v2', { path: '/tmw' })).json.error).toEqual({
      '.tag': 'too_many_write_operations',
    });
  });

  it('expiredToken answers 401 expired_access_token once', async () => {
    emu.faults.inject({ route: 'users/get_current_account', fault: { expiredToken: true } });
    const r = await c.rpc('users/get_current_account');
    expect(r.status).toBe(401);
    expect(r.json.error['.tag']).toBe('expired_access_token');
    expect((await c.rpc('users/get_current_account')).status).toBe(200);
  });

  it('a dropped append stores nothing; the same append then succeeds', async () => {
    const start = await c.upload('files/upload_session/start', {}, Buffer.alloc(1000, 1));
    const id = start.json.session_id;
    emu.faults.inject({ route: 'files/upload_session/append_v2', fault: { dropAfterBytes: 100_000 } });
    const chunk = Buffer.alloc(1024 * 1024, 2);
    await expect(
      c.upload('files/upload_session/append_v2', { cursor: { session_id: id, offset: 1000 } }, chunk),
    ).rejects.toThrow();
    const retry = await c.upload('files/upload_session/append_v2', { cursor: { session_id: id, offset: 1000 } }, chunk);
    expect(retry.status).toBe(200);
    const fin = await c.upload(
      'files/upload_session/finish',
      { cursor: { session_id: id, offset: 1000 + chunk.length }, commit: { path: '/dropped.bin' } },
      '',
    );
    expect(fin.json.size).toBe(1000 + chunk.length);
    const log = emu.requests.filter((r) => r.route === 'files/upload_session/append_v2');
    expect(log.map((r) => r.status)).toEqual([0, 200]);
  });

  it('a dropped download ends early; Range resumes it', async () => {
    const data = Buffer.alloc(3 * 1024 * 1024, 9);
    await emu.files.put('sandy', '/drop/dl.bin', data);
    emu.faults.inject({ route: 'files/download', fault: { dropAfterBytes: 1024 * 1024 } });
    const res = await request(`${emu.url}/2/files/download`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Dropbox-API-Arg': headerSafeJson({ path: '/drop/dl.bin' }) },
    });
    expect(res.statusCode).toBe(200);
    let got = 0;
    await expect(
      (async () => {
        for await (const chunk of res.body) got += (chunk as Buffer).length;
      })(),
    ).rejects.toThrow();
    expect(got).toBe(1024 * 1024);
    const rest = await c.download({ path: '/drop/dl.bin' }, { Range: `bytes=${got}-` });
    expect(rest.status).toBe(206);
    expect(rest.body.length).toBe(data.length - got);
  });
});

describe('realism settings', () => {
  it('failureRate 1 fails everything with 500 or 503; 0 fails nothing', async () => {
    emu.faults.set({ failureRate: 1 });
    for (let i = 0; i < 5; i++) expect([500, 503]).toContain((await c.rpc('users/get_current_account')).status);
    emu.faults.set({ failureRate: 0 });
    expect((await c.rpc('users/get_current_account')).status).toBe(200);
  });

  it('rateLimitPerSecond throttles a burst with 429', async () => {
    emu.faults.set({ rateLimitPerSecond: 3 });
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () => c.rpc('users/get_current_account').then((r) => r.status)),
    );
    expect(statuses).toContain(200);
    expect(statuses).toContain(429);
  });

  it('quota: insufficient_space keeps the bytes in a session that finishes once there is room', async () => {
    const used = (await c.rpc('users/get_space_usage')).json.used;
    emu.faults.set({ quotaBytes: used + 10 });
    const r = await c.upload('files/upload', { path: '/quota/big.bin' }, Buffer.alloc(100));
    expect(r.status).toBe(409);
    expect(r.json.error).toMatchObject({ '.tag': 'path', reason: { '.tag': 'insufficient_space' } });
    expect(r.json.error_summary).toBe('path/insufficient_space/..');
    const sessionId = r.json.error.upload_session_id;
    expect(sessionId).toEqual(expect.any(String));
    emu.faults.set({ quotaBytes: undefined });
    const fin = await c.upload(
      'files/upload_session/finish',
      { cursor: { session_id: sessionId, offset: 100 }, commit: { path: '/quota/big.bin' } },
      '',
    );
    expect(fin.status).toBe(200);
    expect(fin.json.size).toBe(100);
  });

  it('concurrentWriteLimit: a commit during another commit on the namespace gets too_many_write_operations', async () => {
    emu.faults.set({ concurrentWriteLimit: true });
    // An upload whose body the test holds open keeps the namespace's lock until it ends.
    const body = new PassThrough();
    const slow = streamUpload(emu, token, '/lock/slow.bin', body);
    slow.catch(() => {}); // awaited below; if an assertion fails first, closing the emulator ends it
    body.write('the first half, ');
    // The lock is taken once the slow request reaches its handler: commit until one is refused.
    let blocked!: Reply;
    await until(
      async () => (blocked = await c.upload('files/upload', { path: '/lock/fast.txt' }, 'x')).status !== 200,
      'a commit to be refused while the slow one holds the lock',
    );
    expect(blocked.status).toBe(429);
    expect(blocked.json.error.reason['.tag']).toBe('too_many_write_operations');
    // Another namespace is not affected.
    const other = await client(emu, emu.issueToken({ account: 'bob' }).accessToken).upload(
      'files/upload',
      { path: '/elsewhere.txt' },
      'y',
    );
    expect(other.status).toBe(200);
    body.end('the second half');
    const done = await slow;
    expect(done.statusCode).toBe(200);
    expect(((await done.body.json()) as { size: number }).size).toBe('the first half, the second half'.length);
    expect((await c.upload('files/upload', { path: '/lock/fast.txt' }, 'x')).status).toBe(200);
  });

  it('latency and bandwidth slow calls down (lower bounds only)', async () => {
    emu.faults.set({ latencyMs: 150 });
    let t0 = Date.now();
    await c.rpc('users/get_current_account');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    emu.faults.set({ latencyMs: 0, bandwidthBytesPerSec: 256 * 1024 });
    await emu.files.put('sandy', '/bw.bin', Buffer.alloc(128 * 1024));
    t0 = Date.now();
    const dl = await c.download({ path: '/bw.bin' });
    expect(dl.body.length).toBe(128 * 1024);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
  });
});

describe('request log', () => {
  it('records route, status, bytes and headers with Authorization redacted', async () => {
    const n = emu.requests.length;
    await c.upload('files/upload', { path: '/log.txt' }, 'twelve bytes');
    await c.rpc('files/get_metadata', { path: '/missing' });
    const [up, miss] = emu.requests.slice(n);
    expect(up).toMatchObject({ method: 'POST', route: 'files/upload', status: 200, bytesIn: 12 });
    expect(up!.bytesOut).toBeGreaterThan(100);
    expect(up!.headers.authorization).toBe('[REDACTED]');
    expect(JSON.stringify(emu.requests)).not.toContain(token);
    expect(miss).toMatchObject({ route: 'files/get_metadata', status: 409 });
  });
});
