// The transport's retry loop over undici's MockAgent (narrow unit tests; the wire
// itself is exercised against the emulator and real proxies elsewhere).
import { describe, it, expect, afterEach } from 'vitest';
import { MockAgent } from 'undici';
import { Transport, type TransportOptions } from '../../plugins/dropbox/api/http.ts';
import { Pacer } from '../../plugins/dropbox/api/pacer.ts';
import { RefreshingToken } from '../../plugins/dropbox/api/token.ts';
import {
  BadInputError,
  ConflictError,
  ExpiredTokenError,
  NetworkError,
  ServerError,
} from '../../plugins/dropbox/api/errors.ts';
import type { TokenSource } from '../../plugins/dropbox/api/types.ts';

const ORIGIN = 'http://dbx.test';
const fast = { baseDelayMs: 1, maxDelayMs: 5 };
let mock: MockAgent;

function setup(
  token: TokenSource = { token: async () => 'tok', refresh: async () => 'tok2' },
  extra: Partial<TransportOptions> = {},
) {
  mock = new MockAgent();
  mock.disableNetConnect();
  const pool = mock.get(ORIGIN);
  const t = new Transport({ dispatcher: mock, token, api: ORIGIN, content: ORIGIN, retry: fast, ...extra });
  return { pool, t };
}
afterEach(async () => {
  await mock?.close();
});

const json = { 'content-type': 'application/json' };

describe('transport retries', () => {
  it('retries 503 with backoff, then succeeds', async () => {
    const { pool, t } = setup();
    pool.intercept({ path: '/2/users/get_space_usage', method: 'POST' }).reply(503, 'busy').times(2);
    pool.intercept({ path: '/2/users/get_space_usage', method: 'POST' }).reply(200, { used: 1 }, { headers: json });
    const r = await t.send<{ used: number }>({ route: 'users/get_space_usage', style: 'rpc', idempotency: 'safe' });
    expect(r.result.used).toBe(1);
    mock.assertNoPendingInterceptors();
  });

  it('waits out 429s past maxAttempts (they cost only time) and counts them in the pacer', async () => {
    // Retry-After 0: only the doubled spacing would slow it
    const { pool, t } = setup(undefined, { pacer: new Pacer({ maxSleepMs: 20 }) });
    pool
      .intercept({ path: '/2/files/get_metadata', method: 'POST' })
      .reply(429, { error: { reason: { '.tag': 'too_many_requests' } } }, { headers: { ...json, 'retry-after': '0' } })
      .times(9);
    pool.intercept({ path: '/2/files/get_metadata', method: 'POST' }).reply(200, { name: 'a' }, { headers: json });
    const started = Date.now();
    const r = await t.send<{ name: string }>({
      route: 'files/get_metadata',
      style: 'rpc',
      arg: { path: '/a' },
      idempotency: 'safe',
    });
    expect(r.result.name).toBe('a');
    expect(t.policy.maxAttempts).toBeLessThan(10);
    expect(t.pacer.stats().throttled).toBe(9);
    expect(Date.now() - started).toBeLessThan(5000); // Retry-After 0 => no 5 s default wait
    mock.assertNoPendingInterceptors();
  });

  it('gives up on a 429 once its waits would pass maxThrottledMs', async () => {
    const { pool, t } = setup(undefined, { retry: { ...fast, maxThrottledMs: 1500 } });
    pool
      .intercept({ path: '/2/files/get_metadata', method: 'POST' })
      .reply(429, { error: { reason: { '.tag': 'too_many_requests' } } }, { headers: { ...json, 'retry-after': '1' } })
      .times(2);
    await expect(
      t.send({ route: 'files/get_metadata', style: 'rpc', arg: { path: '/a' }, idempotency: 'safe' }),
    ).rejects.toMatchObject({ name: 'RateLimitError', status: 429, attempts: 2 });
    expect(t.pacer.stats().throttled).toBe(2);
    mock.assertNoPendingInterceptors();
  });

  it('does not retry a 503 of a call a repeat could duplicate', async () => {
    const { pool, t } = setup();
    pool.intercept({ path: '/2/files/copy_v2', method: 'POST' }).reply(503, 'busy');
    pool.intercept({ path: '/2/files/copy_v2', method: 'POST' }).reply(200, {}, { headers: json });
    await expect(t.send({ route: 'files/copy_v2', style: 'rpc', idempotency: 'once' })).rejects.toBeInstanceOf(
      ServerError,
    );
    expect(mock.pendingInterceptors().length).toBe(1);
  });

  it('retries a connection error of a safe call; never a 400 or a 409', async () => {
    const { pool, t } = setup();
    pool
      .intercept({ path: '/2/files/list_folder', method: 'POST' })
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    pool.intercept({ path: '/2/files/list_folder', method: 'POST' }).reply(200, { entries: [] }, { headers: json });
    expect(
      (await t.send<{ entries: unknown[] }>({ route: 'files/list_folder', style: 'rpc', idempotency: 'safe' })).result
        .entries,
    ).toEqual([]);
    pool.intercept({ path: '/2/files/x', method: 'POST' }).reply(400, 'Error in call to API function "files/x": bad');
    await expect(t.send({ route: 'files/x', style: 'rpc', idempotency: 'safe' })).rejects.toBeInstanceOf(BadInputError);
    pool.intercept({ path: '/2/files/create_folder_v2', method: 'POST' }).reply(
      409,
      {
        error_summary: 'path/conflict/folder/',
        error: { '.tag': 'path', path: { '.tag': 'conflict', conflict: { '.tag': 'folder' } } },
      },
      { headers: json },
    );
    await expect(
      t.send({ route: 'files/create_folder_v2', style: 'rpc', idempotency: 'safe', paths: ['/f'] }),
    ).rejects.toBeInstanceOf(ConflictError);
    mock.assertNoPendingInterceptors();
  });

  it('a connection error on a one-shot call is a NetworkError, not retried', async () => {
    const { pool, t } = setup();
    pool
      .intercept({ path: '/2/files/move_v2', method: 'POST' })
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
    const err = await t.send({ route: 'files/move_v2', style: 'rpc', idempotency: 'once' }).catch((e) => e);
    expect(err).toBeInstanceOf(NetworkError);
    expect(err.message).toMatch(/^files\/move_v2: network error talking to http:\/\/dbx\.test: ECONNRESET/);
  });

  it('replays an upload body from its factory on each attempt', async () => {
    const { pool, t } = setup();
    const seen: string[] = [];
    pool
      .intercept({
        path: '/2/files/upload',
        method: 'POST',
        body: (b) => {
          seen.push(String(b));
          return true;
        },
      })
      .reply(500, 'oops');
    pool
      .intercept({
        path: '/2/files/upload',
        method: 'POST',
        body: (b) => {
          seen.push(String(b));
          return true;
        },
      })
      .reply(200, { name: 'x' }, { headers: json });
    let made = 0;
    await t.send({
      route: 'files/upload',
      style: 'upload',
      arg: { path: '/x' },
      idempotency: 'safe',
      body: () => {
        made++;
        return { data: Buffer.from('data'), length: 4 };
      },
    });
    expect(made).toBe(2);
    expect(new Set(seen)).toEqual(new Set(['data']));
  });

  it('sends Dropbox-API-Arg escaped and never logs the token', async () => {
    const lines: string[] = [];
    const log = { debug: (o: unknown, m: string) => lines.push(JSON.stringify([o, m])) } as never;
    mock = new MockAgent();
    mock.disableNetConnect();
    const pool = mock.get(ORIGIN);
    const t = new Transport({
      dispatcher: mock,
      token: { token: async () => 'sl.SECRET', refresh: async () => 'x' },
      api: ORIGIN,
      content: ORIGIN,
      log,
    });
    let argHeader = '';
    pool
      .intercept({
        path: '/2/files/download',
        method: 'POST',
        headers: (h) => {
          argHeader = (h as Record<string, string>)['dropbox-api-arg']!;
          return true;
        },
      })
      .reply(200, 'abc', { headers: { 'dropbox-api-result': '{"name":"\\u00e9"}', 'x-dropbox-request-id': 'rid9' } });
    const r = await t.send<{ name: string }>({
      route: 'files/download',
      style: 'download',
      arg: { path: '/é 😀' },
      idempotency: 'safe',
    });
    expect(await r.body!.text()).toBe('abc');
    expect(r.result.name).toBe('é');
    expect(argHeader).toBe('{"path":"/\\u00e9 \\ud83d\\ude00"}');
    expect(lines.join('')).toContain('rid9');
    expect(lines.join('')).toContain('files/download');
    expect(lines.join('')).not.toContain('SECRET');
  });
});

describe('token refresh on 401', () => {
  it('refreshes once and replays with the new token; a second 401 fails', async () => {
    let refreshes = 0;
    const { pool, t } = setup({
      token: async () => 'old',
      refresh: async () => {
        refreshes++;
        return 'new';
      },
    });
    const auths: string[] = [];
    pool
      .intercept({
        path: '/2/users/get_current_account',
        method: 'POST',
        headers: (h) => {
          auths.push((h as Record<string, string>).authorization!);
          return true;
        },
      })
      .reply(401, { error: { '.tag': 'expired_access_token' } }, { headers: json })
      .times(3);
    await expect(
      t.send({ route: 'users/get_current_account', style: 'rpc', idempotency: 'safe' }),
    ).rejects.toBeInstanceOf(ExpiredTokenError);
    expect(auths).toEqual(['Bearer old', 'Bearer new']);
    expect(refreshes).toBe(1);
  });

  it('50 concurrent calls that all see 401 cause one refresh', async () => {
    let refreshes = 0;
    const src = new RefreshingToken(
      async () => {
        refreshes++;
        await new Promise((r) => setTimeout(r, 20));
        return { accessToken: 'fresh', expiresAt: Date.now() + 3600_000 };
      },
      { accessToken: 'stale', expiresAt: Date.now() + 3600_000 },
    );
    const { pool, t } = setup(src);
    pool
      .intercept({ path: '/2/users/get_space_usage', method: 'POST' })
      .reply((o) => {
        const auth = (o.headers as Record<string, string>).authorization;
        return auth === 'Bearer fresh'
          ? { statusCode: 200, data: JSON.stringify({ used: 5 }), responseOptions: { headers: json } }
          : {
              statusCode: 401,
              data: JSON.stringify({ error: { '.tag': 'expired_access_token' } }),
              responseOptions: { headers: json },
            };
      })
      .persist();
    const rs = await Promise.all(
      Array.from({ length: 50 }, () =>
        t.send<{ used: number }>({ route: 'users/get_space_usage', style: 'rpc', idempotency: 'safe' }),
      ),
    );
    expect(rs.every((r) => r.result.used === 5)).toBe(true);
    expect(refreshes).toBe(1);
  });
});
