// Pure parts of the connector: Arg escaping, paths, error decoding, the retry
// policy's decisions, the token source's single flight, the namespace queue.
import { beforeEach, describe, it, expect } from 'vitest';
import { encodeArg, parseResultHeader } from '../../plugins/dropbox/api/arg-header.ts';
import { normalizePath } from '../../plugins/dropbox/api/paths.ts';
import {
  errorFromResponse,
  errorFromUnion,
  tagChain,
  BadInputError,
  ConflictError,
  ExpiredTokenError,
  InsufficientSpaceError,
  InvalidGrantError,
  InvalidPathError,
  MissingScopeError,
  NotFoundError,
  PathRootError,
  RateLimitError,
  ServerError,
  AccessError,
  IncorrectOffsetError,
  NetworkError,
  ProxyError,
  InvalidTokenError,
} from '../../plugins/dropbox/api/errors.ts';
import { shouldRetry, DEFAULT_RETRY, type RetryPolicy } from '../../plugins/dropbox/api/retry.ts';
import { RefreshingToken } from '../../plugins/dropbox/api/token.ts';
import { inNamespace } from '../../plugins/dropbox/api/namespace-queue.ts';
import { until } from '../helpers/wait.ts';

describe('Dropbox-API-Arg', () => {
  it('escapes every UTF-16 code unit >= 0x7F, astral characters as surrogate pairs', () => {
    const s = encodeArg({ path: '/Café/日本/😀 x\u007f' });
    expect(s).toBe('{"path":"/Caf\\u00e9/\\u65e5\\u672c/\\ud83d\\ude00 x\\u007f"}');
    expect(/^[\x20-\x7e]*$/.test(s)).toBe(true);
    expect(JSON.parse(s)).toEqual({ path: '/Café/日本/😀 x\u007f' });
  });
  it('keeps ASCII, quotes and backslashes as JSON has them', () => {
    expect(encodeArg({ p: 'a "b" \\ c\n' })).toBe(JSON.stringify({ p: 'a "b" \\ c\n' }));
    expect(encodeArg(undefined)).toBe('null');
  });
  it('parses Dropbox-API-Result', () => {
    expect(parseResultHeader<{ name: string }>('{"name":"\\u00e9t\\u00e9"}', 'files/download').name).toBe('été');
    expect(() => parseResultHeader(undefined, 'files/download')).toThrow(/no Dropbox-API-Result/);
  });
});

describe('paths', () => {
  it('normalises trailing slashes and the root', () => {
    expect(normalizePath('/a/b/', 'write', 'r')).toBe('/a/b');
    expect(normalizePath('/', 'root-ok', 'r')).toBe('');
    expect(normalizePath('', 'root-ok', 'r')).toBe('');
    expect(normalizePath('/with space/x y.txt', 'write', 'r')).toBe('/with space/x y.txt');
    expect(normalizePath('ns:123/a/', 'write', 'r')).toBe('ns:123/a');
    expect(normalizePath('id:abc', 'read', 'r')).toBe('id:abc');
    expect(normalizePath('rev:0123456789abcdef', 'read', 'r')).toBe('rev:0123456789abcdef');
  });
  it('keeps the bytes of a name (no NFC/NFD folding)', () => {
    const nfd = '/Cafe\u0301';
    expect(normalizePath(nfd, 'write', 'r')).toBe(nfd);
    expect(normalizePath('/Caf\u00e9', 'write', 'r')).toBe('/Caf\u00e9');
  });
  it.each([
    ['a/b', 'write', /must start with '\/'/],
    ['/', 'write', /not the root/],
    ['', 'read', /not the root/],
    ['/a//b', 'write', /empty component/],
    ['/a/../b', 'write', /'\.\.' component/],
    ['/a\0b', 'write', /NUL/],
    ['/\ud800x', 'write', /lone surrogate/],
    [`/${'x'.repeat(256)}`, 'write', /longer than 255/],
    ['rev:0123456789', 'write', /can only be read/],
    ['rev:xyz', 'read', /hex digits/],
  ] as const)('rejects %j for %s', (p, use, re) => {
    let err: unknown;
    try {
      normalizePath(p, use, 'files/upload');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InvalidPathError);
    expect((err as Error).message).toMatch(re);
    expect((err as Error).message).toContain('files/upload: invalid Dropbox path');
  });
});

const j = (o: unknown) => JSON.stringify(o);

describe('error model', () => {
  it('follows the .tag chain through named members and upload reasons', () => {
    expect(tagChain({ '.tag': 'path', path: { '.tag': 'conflict', conflict: { '.tag': 'file' } } })).toEqual([
      'path',
      'conflict',
      'file',
    ]);
    expect(
      tagChain({ '.tag': 'path', path: { reason: { '.tag': 'insufficient_space' }, upload_session_id: 'x' } }),
    ).toEqual(['path', 'insufficient_space']);
    // UploadError.path is a plain struct, so Stone inlines it next to the tag.
    expect(
      tagChain({
        '.tag': 'path',
        reason: { '.tag': 'conflict', conflict: { '.tag': 'file' } },
        upload_session_id: 'x',
      }),
    ).toEqual(['path', 'conflict', 'file']);
    expect(
      tagChain({ '.tag': 'lookup_failed', lookup_failed: { '.tag': 'incorrect_offset', correct_offset: 8 } }),
    ).toEqual(['lookup_failed', 'incorrect_offset']);
  });
  it('conflict names the path and the mode that solves it', () => {
    const e = errorFromResponse({
      route: 'files/upload',
      status: 409,
      requestId: 'rq1',
      paths: ['/a/b.txt'],
      body: j({
        error_summary: 'path/conflict/file/..',
        error: { '.tag': 'path', path: { reason: { '.tag': 'conflict', conflict: { '.tag': 'file' } } } },
      }),
    });
    expect(e).toBeInstanceOf(ConflictError);
    expect(e.tags).toEqual(['path', 'conflict', 'file']);
    expect(e.requestId).toBe('rq1');
    expect(e.retryable).toBe(false);
    expect(e.message).toContain('"/a/b.txt" already exists');
    expect(e.message).toContain("mode 'overwrite'");
    expect(e.message.includes('\n')).toBe(false);
  });
  it("missing_scope names the scope, the connection's scopes, the App Console and signing in again", () => {
    const e = errorFromResponse({
      route: 'files/upload',
      status: 401,
      body: j({
        error_summary: 'missing_scope/..',
        error: { '.tag': 'missing_scope', required_scope: 'files.content.write' },
      }),
    });
    expect(e).toBeInstanceOf(MissingScopeError);
    expect((e as MissingScopeError).requiredScope).toBe('files.content.write');
    expect(e.message).toMatch(/'files\.content\.write'.*connection's scopes.*App Console.*sign in again/);
  });
  it('insufficient_space says how much is needed', () => {
    const e = errorFromUnion(
      'files/upload',
      { '.tag': 'path', path: { reason: { '.tag': 'insufficient_space' } } },
      ['/big'],
      5 * 1024 * 1024,
    );
    expect(e).toBeInstanceOf(InsufficientSpaceError);
    expect(e.message).toContain('needs 5.0 MiB');
  });
  it('maps each status to its class', () => {
    expect(
      errorFromResponse({ route: 'r', status: 400, body: 'Error in call to API function "files/x": bad' }),
    ).toBeInstanceOf(BadInputError);
    expect(
      errorFromResponse({
        route: 'oauth2/token',
        status: 400,
        body: j({ error: 'invalid_grant', error_description: 'refresh token is invalid or revoked' }),
      }),
    ).toBeInstanceOf(InvalidGrantError);
    expect(
      errorFromResponse({ route: 'r', status: 401, body: j({ error: { '.tag': 'expired_access_token' } }) }),
    ).toBeInstanceOf(ExpiredTokenError);
    expect(
      errorFromResponse({ route: 'r', status: 401, body: j({ error: { '.tag': 'invalid_access_token' } }) }),
    ).toBeInstanceOf(InvalidTokenError);
    expect(
      errorFromResponse({ route: 'r', status: 403, body: j({ error: { '.tag': 'no_permission' } }) }),
    ).toBeInstanceOf(AccessError);
    const pr = errorFromResponse({
      route: 'r',
      status: 422,
      body: j({
        error: {
          '.tag': 'invalid_root',
          invalid_root: { '.tag': 'team', root_namespace_id: '9', home_namespace_id: '8' },
        },
      }),
    });
    expect(pr).toBeInstanceOf(PathRootError);
    expect((pr as PathRootError).rootInfo?.root_namespace_id).toBe('9');
    const rl = errorFromResponse({
      route: 'r',
      status: 429,
      retryAfter: '7',
      body: j({ error: { reason: { '.tag': 'too_many_requests' }, retry_after: 7 } }),
    });
    expect(rl).toBeInstanceOf(RateLimitError);
    expect(rl.retryAfterMs).toBe(7000);
    expect(errorFromResponse({ route: 'r', status: 429, body: 'slow down', contentType: 'text/plain' }).tags).toEqual([
      'too_many_requests',
    ]);
    const tw = errorFromResponse({
      route: 'r',
      status: 409,
      body: j({ error: { '.tag': 'path', path: { '.tag': 'too_many_write_operations' } } }),
    });
    expect(tw).toBeInstanceOf(RateLimitError);
    expect(errorFromResponse({ route: 'r', status: 503, body: 'unavailable' })).toBeInstanceOf(ServerError);
    expect(
      errorFromResponse({
        route: 'r',
        status: 409,
        body: j({ error_summary: 'path/not_found/..', error: { '.tag': 'path', path: { '.tag': 'not_found' } } }),
      }),
    ).toBeInstanceOf(NotFoundError);
    const io = errorFromResponse({
      route: 'r',
      status: 409,
      body: j({ error: { '.tag': 'incorrect_offset', correct_offset: 4194304 } }),
    });
    expect(io).toBeInstanceOf(IncorrectOffsetError);
    expect((io as IncorrectOffsetError).correctOffset).toBe(4194304);
  });
  it('falls back to error_summary when the union is missing', () => {
    const e = errorFromResponse({ route: 'r', status: 409, body: j({ error_summary: 'path/not_found/...' }) });
    expect(e.tags).toEqual(['path', 'not_found']);
  });
});

const policy: RetryPolicy = { ...DEFAULT_RETRY, random: () => 0.5 };
const facts = { idempotency: 'safe' as const, replayable: true, attempt: 1, refreshed: false };
const mk = (status: number, body: unknown, extra: Partial<Parameters<typeof errorFromResponse>[0]> = {}) =>
  errorFromResponse({ route: 'r', status, body: j(body), ...extra });

describe('shouldRetry', () => {
  it('honours Retry-After for 429 and too_many_write_operations, even for non-idempotent calls', () => {
    const d = shouldRetry(
      mk(429, { error: { reason: { '.tag': 'too_many_requests' } } }, { retryAfter: '3' }),
      { ...facts, idempotency: 'once' },
      policy,
    );
    expect(d).toMatchObject({ retry: true, delayMs: 3000 });
    const w = shouldRetry(mk(409, { error: { '.tag': 'too_many_write_operations' } }), facts, policy);
    expect(w.retry).toBe(true);
  });
  it('backs off exponentially with equal jitter, capped (the core backoffDelay)', () => {
    const e = mk(503, {});
    const delay = (d: ReturnType<typeof shouldRetry>) => (d as { delayMs: number }).delayMs;
    const delays = [1, 2, 3, 4, 5].map((attempt) => delay(shouldRetry(e, { ...facts, attempt }, policy)));
    expect(delays).toEqual([750, 1500, 3000, 6000, 12000]);
    // 30 s cap, still jittered under it; never less than half the nominal delay.
    expect(delay(shouldRetry(e, { ...facts, attempt: 20 }, { ...policy, maxAttempts: 30 }))).toBe(22500);
    expect(delay(shouldRetry(e, facts, { ...policy, random: () => 0 }))).toBe(500);
    // A 429 without Retry-After backs off from defaultRetryAfterMs (5 s).
    expect(delay(shouldRetry(mk(429, { error: { reason: { '.tag': 'too_many_requests' } } }), facts, policy))).toBe(
      3750,
    );
    expect(shouldRetry(e, { ...facts, attempt: 6 }, policy).retry).toBe(false);
  });
  it('keeps waiting out 429s beyond maxAttempts until maxThrottledMs of waits', () => {
    const e = mk(429, { error: { reason: { '.tag': 'too_many_requests' } } }, { retryAfter: '1' });
    expect(shouldRetry(e, { ...facts, attempt: 20, throttled: 20, throttledMs: 19_000 }, policy).retry).toBe(true);
    const over = { ...facts, attempt: 20, throttled: 20, throttledMs: policy.maxThrottledMs - 500 };
    expect(shouldRetry(e, over, policy)).toMatchObject({
      retry: false,
      reason: expect.stringContaining('rate limited'),
    });
    // A 503 after many 429s still has its own attempts left; only the non-throttled ones count.
    expect(shouldRetry(mk(503, {}), { ...facts, attempt: 20, throttled: 19 }, policy).retry).toBe(true);
    expect(shouldRetry(mk(503, {}), { ...facts, attempt: 20, throttled: 14 }, policy).retry).toBe(false);
  });
  it('never retries 5xx or resets of a call a repeat could duplicate', () => {
    expect(shouldRetry(mk(503, {}), { ...facts, idempotency: 'once' }, policy).retry).toBe(false);
    const reset = new NetworkError('r: reset', { route: 'r', retryable: true }, 'ECONNRESET');
    expect(shouldRetry(reset, { ...facts, idempotency: 'once' }, policy).retry).toBe(false);
    const refused = new NetworkError('r: refused', { route: 'r', retryable: true }, 'ECONNREFUSED');
    expect(shouldRetry(refused, { ...facts, idempotency: 'once' }, policy).retry).toBe(true);
  });
  it('refreshes an expired token exactly once', () => {
    const e = mk(401, { error: { '.tag': 'expired_access_token' } });
    expect(shouldRetry(e, facts, policy)).toMatchObject({ retry: true, refreshToken: true, delayMs: 0 });
    expect(shouldRetry(e, { ...facts, refreshed: true }, policy).retry).toBe(false);
  });
  it('does not replay a body that cannot be re-read, nor fatal errors', () => {
    expect(shouldRetry(mk(503, {}), { ...facts, replayable: false }, policy).retry).toBe(false);
    expect(
      shouldRetry(mk(409, { error: { '.tag': 'path', path: { '.tag': 'insufficient_space' } } }), facts, policy).retry,
    ).toBe(false);
    expect(shouldRetry(mk(400, {}), facts, policy).retry).toBe(false);
    expect(shouldRetry(new ProxyError('p', { route: 'r' }), facts, policy).retry).toBe(false);
    const ac = new AbortController();
    ac.abort();
    expect(shouldRetry(mk(503, {}), { ...facts, signal: ac.signal }, policy).retry).toBe(false);
    expect(shouldRetry(mk(429, {}, { retryAfter: '900' }), facts, policy).retry).toBe(false);
  });
});

describe('RefreshingToken', () => {
  it('refreshes before expiry, once for many concurrent callers', async () => {
    let now = 1_000_000;
    let calls = 0;
    const t = new RefreshingToken(
      async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 10));
        return { accessToken: `t${calls}`, expiresAt: now + 4 * 3600_000 };
      },
      { accessToken: 't0', expiresAt: now + 301_000 },
      { now: () => now },
    );
    expect(await t.token()).toBe('t0');
    now += 2000; // 299 s left: inside the 300 s margin
    const got = await Promise.all(Array.from({ length: 20 }, () => t.token()));
    expect(new Set(got)).toEqual(new Set(['t1']));
    expect(calls).toBe(1);
  });
  it('refresh(stale) is single-flight and skips when the token already changed', async () => {
    let calls = 0;
    const t = new RefreshingToken(
      async () => {
        calls++;
        await new Promise((r) => setTimeout(r, 10));
        return { accessToken: `new${calls}`, expiresAt: Date.now() + 3600_000 };
      },
      { accessToken: 'old', expiresAt: Date.now() + 3600_000 },
    );
    const got = await Promise.all(Array.from({ length: 50 }, () => t.refresh('old')));
    expect(calls).toBe(1);
    expect(new Set(got)).toEqual(new Set(['new1']));
    expect(await t.refresh('old')).toBe('new1'); // stale no longer current: no refresh
    expect(calls).toBe(1);
    expect(await t.refresh('new1')).toBe('new2');
  });
  it('a failed refresh rejects every waiter and the next call tries again', async () => {
    let calls = 0;
    const t = new RefreshingToken(async () => {
      calls++;
      if (calls === 1) throw new InvalidGrantError('revoked', { route: 'oauth2/token' });
      return { accessToken: 'ok', expiresAt: Date.now() + 3600_000 };
    });
    const rs = await Promise.allSettled([t.token(), t.token()]);
    expect(rs.every((r) => r.status === 'rejected' && r.reason instanceof InvalidGrantError)).toBe(true);
    expect(await t.token()).toBe('ok');
    expect(calls).toBe(2);
  });
  it('one waiter aborting does not fail the others', async () => {
    const t = new RefreshingToken(async () => {
      await new Promise((r) => setTimeout(r, 20));
      return { accessToken: 'x', expiresAt: Date.now() + 3600_000 };
    });
    const ac = new AbortController();
    const a = t.token(ac.signal);
    const b = t.token();
    ac.abort(new Error('gone'));
    await expect(a).rejects.toThrow('gone');
    expect(await b).toBe('x');
  });
});

describe('namespace queue', () => {
  const log: string[] = [];
  beforeEach(() => void log.splice(0));
  /** A commit that runs until the test opens its gate, logging when it starts and ends. */
  function gated(name: string, fail = false) {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const job = async () => {
      log.push(`start ${name}`);
      await gate;
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };
    return { job, open };
  }

  it('runs commits of one namespace one at a time, in order, and survives failures', async () => {
    const [a, b, c] = [gated('a'), gated('b', true), gated('c')];
    const rs = Promise.allSettled([inNamespace('ns1', a.job), inNamespace('ns1', b.job), inNamespace('ns1', c.job)]);
    await until(() => log.length > 0, 'the first commit to start');
    expect(log).toEqual(['start a']);
    a.open();
    await until(() => log.includes('start b'), 'the second commit to start');
    expect(log).toEqual(['start a', 'end a', 'start b']);
    b.open(); // b fails; c must still run
    await until(() => log.includes('start c'), 'the third commit to start');
    c.open();
    expect((await rs).map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });

  it('a commit in another namespace runs while the first one is still running', async () => {
    const x = gated('x');
    const y = gated('y');
    y.open();
    const first = inNamespace('x1', x.job);
    let otherDone = false;
    void inNamespace('x2', y.job).then(() => (otherDone = true));
    await until(() => otherDone, 'the commit in x2 while x1 is busy');
    expect(log).toEqual(['start x', 'start y', 'end y']);
    x.open();
    expect(await first).toBe('x');
  });
});
