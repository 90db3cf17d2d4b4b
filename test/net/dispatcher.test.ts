// The proxy-aware dispatcher against real proxies on loopback: tinyproxy (HTTP,
// Basic auth, with and without CONNECT) and microsocks (SOCKS5 user/password). Each
// test proves the traffic went through the proxy (its log) and that a wrong password
// gives one clear line naming the proxy.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { createServer, type Server } from 'node:http';
import { request } from 'undici';
import { createDispatcher, DispatcherPool } from '../../src/net/dispatcher.ts';
import { proxyProblems } from '../../src/net/proxy-check.ts';
import { Transport } from '../../plugins/dropbox/api/http.ts';
import { ProxyError, NetworkError } from '../../plugins/dropbox/api/errors.ts';
import { startTinyproxy, startMicrosocks, type RunningProxy } from '../helpers/proxies.ts';
import { until } from '../helpers/wait.ts';

let target: Server;
let targetUrl: string;
let hits = 0;
let tiny: RunningProxy;
let socks: RunningProxy;

beforeAll(async () => {
  target = createServer((req, res) => {
    hits++;
    if (req.url?.includes('hang')) return; // never answers: for timeouts
    req.resume();
    req.on('end', () => {
      res.setHeader('content-type', 'application/json');
      res.setHeader('x-dropbox-request-id', `req-${hits}`);
      res.end(JSON.stringify({ used: 42, allocation: { '.tag': 'individual', allocated: 100 } }));
    });
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', () => r()));
  targetUrl = `http://127.0.0.1:${(target.address() as { port: number }).port}`;
  [tiny, socks] = await Promise.all([startTinyproxy(), startMicrosocks()]);
});
afterAll(async () => {
  await Promise.all([tiny?.stop(), socks?.stop()]);
  target.closeAllConnections();
  await new Promise((r) => target.close(r));
});

const token = { token: async () => 'sl.t', refresh: async () => 'sl.t' };
function spaceUsage(dispatcher: ReturnType<typeof createDispatcher>) {
  const t = new Transport({
    dispatcher,
    token,
    api: targetUrl,
    content: targetUrl,
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
  });
  return t.send<{ used: number }>({ route: 'users/get_space_usage', style: 'rpc', idempotency: 'safe' });
}
const port = () => targetUrl.split(':')[2];

/** Runs `fn`, which must fail, and returns its error and how long the failure took. */
async function failureOf(fn: () => Promise<unknown>): Promise<{ err: any; ms: number }> {
  const t0 = performance.now();
  const err = await fn().then(
    () => expect.fail('expected a failure'),
    (e: unknown) => e,
  );
  return { err, ms: performance.now() - t0 };
}

/**
 * The configured timeout ended the call: not before it (timers may fire a little early,
 * hence the margin), and long before undici's own 300 s. Loose above: the machine is shared.
 */
function expectEndedByTimeout(ms: number, timeoutMs: number): void {
  expect(ms).toBeGreaterThanOrEqual(timeoutMs * 0.9);
  expect(ms).toBeLessThan(timeoutMs + 10_000);
}

describe('http proxy (tinyproxy, Basic auth)', () => {
  it.each([true, false])('carries the calls (proxyTunnel %s)', async (proxyTunnel) => {
    const d = createDispatcher({
      proxy: {
        type: 'http',
        host: tiny.host,
        port: tiny.port,
        username: tiny.username,
        password: tiny.password,
        proxyTunnel,
      },
    });
    try {
      const before = hits;
      expect((await spaceUsage(d)).result.used).toBe(42);
      expect(hits).toBe(before + 1);
      const log = await tiny.log();
      expect(log).toContain(proxyTunnel ? `CONNECT 127.0.0.1:${port()}` : `POST ${targetUrl}/2/users/get_space_usage`);
    } finally {
      await d.close();
    }
  });

  it.each([true, false])('a wrong password is one line naming the proxy (proxyTunnel %s)', async (proxyTunnel) => {
    const d = createDispatcher({
      proxy: {
        type: 'http',
        host: tiny.host,
        port: tiny.port,
        username: tiny.username,
        password: 'wrong-pw',
        proxyTunnel,
      },
    });
    try {
      const err = await spaceUsage(d).catch((e) => e);
      expect(err).toBeInstanceOf(ProxyError);
      expect(err.message).toBe(
        `users/get_space_usage: the http proxy 127.0.0.1:${tiny.port} (user puser) rejected the credentials (HTTP 401); check the proxy username and password`,
      );
      expect(err.message).not.toContain('wrong-pw');
    } finally {
      await d.close();
    }
  });

  it('an unreachable proxy is named', async () => {
    const d = createDispatcher({ proxy: { type: 'http', host: '127.0.0.1', port: 9, username: 'u', password: 'p' } });
    try {
      const err = await spaceUsage(d).catch((e) => e);
      expect(err).toBeInstanceOf(ProxyError);
      expect(err.message).toMatch(/cannot reach the http proxy 127\.0\.0\.1:9 \(user u\): ECONNREFUSED/);
    } finally {
      await d.close();
    }
  });

  it('proxy: system honours http_proxy and NO_PROXY', async () => {
    const via = createDispatcher(
      { proxy: 'system' },
      { http_proxy: `http://${tiny.username}:${tiny.password}@127.0.0.1:${tiny.port}` },
    );
    const bypass = createDispatcher({ proxy: 'system' }, { http_proxy: 'http://127.0.0.1:9', no_proxy: '127.0.0.1' });
    try {
      const count = async () => (await tiny.log()).split('\n').filter((l) => l.includes(`127.0.0.1:${port()}`)).length;
      const before = await count();
      expect((await spaceUsage(via)).result.used).toBe(42);
      expect(await count()).toBeGreaterThan(before);
      // http_proxy points at a closed port: only a bypass can succeed.
      expect((await spaceUsage(bypass)).result.used).toBe(42);
    } finally {
      await Promise.all([via.close(), bypass.close()]);
    }
  });
});

describe('socks5 proxy (microsocks, user/password)', () => {
  it('carries the calls', async () => {
    const d = createDispatcher({
      proxy: { type: 'socks5', host: socks.host, port: socks.port, username: socks.username, password: socks.password },
    });
    try {
      const before = (await socks.log())
        .split('\n')
        .filter((l) => l.includes(`connected to 127.0.0.1:${port()}`)).length;
      expect((await spaceUsage(d)).result.used).toBe(42);
      const after = (await socks.log())
        .split('\n')
        .filter((l) => l.includes(`connected to 127.0.0.1:${port()}`)).length;
      expect(after).toBe(before + 1);
    } finally {
      await d.close();
    }
  });

  it('a wrong password is one line naming the proxy', async () => {
    const d = createDispatcher({
      proxy: { type: 'socks5', host: socks.host, port: socks.port, username: socks.username, password: 'nope' },
    });
    try {
      const err = await spaceUsage(d).catch((e) => e);
      expect(err).toBeInstanceOf(ProxyError);
      expect(err.message).toBe(
        `users/get_space_usage: the socks5 proxy 127.0.0.1:${socks.port} (user suser) rejected the credentials; check the proxy username and password`,
      );
    } finally {
      await d.close();
    }
  });

  it('applies the connection timeout to requests through SOCKS5 (undici leaves its pools at 300 s)', async () => {
    const d = createDispatcher({
      proxy: { type: 'socks5', host: socks.host, port: socks.port, username: socks.username, password: socks.password },
      timeoutSeconds: 0.3,
    });
    try {
      const { err, ms } = await failureOf(() => request(`${targetUrl}/hang`, { method: 'POST', dispatcher: d }));
      expect(err.code).toBe('UND_ERR_HEADERS_TIMEOUT');
      expectEndedByTimeout(ms, 300);
    } finally {
      await d.destroy();
    }
  });
});

describe('no proxy and the pool', () => {
  it('times out a server that never answers (timeoutSeconds)', async () => {
    const d = createDispatcher({ timeoutSeconds: 0.3 });
    try {
      const t = new Transport({ dispatcher: d, token, api: targetUrl, content: targetUrl, retry: { maxAttempts: 1 } });
      const { err, ms } = await failureOf(() => t.send({ route: 'hang', style: 'rpc', idempotency: 'safe' }));
      expect(err).toBeInstanceOf(NetworkError);
      expect(err.errno).toBe('UND_ERR_HEADERS_TIMEOUT');
      expect(err.message).toMatch(/^hang: network error talking to http:\/\/127\.0\.0\.1:\d+: UND_ERR_HEADERS_TIMEOUT/);
      expectEndedByTimeout(ms, 300);
    } finally {
      await d.destroy();
    }
  });

  it('keeps one dispatcher per definition version and closes only the versions not kept', async () => {
    const pool = new DispatcherPool({});
    const closed = (d: unknown) => (d as { closed: boolean }).closed;
    const a = pool.get('v1', { timeoutSeconds: 30 });
    expect(pool.get('v1', { timeoutSeconds: 30 })).toBe(a);
    const b = pool.get('v2', { timeoutSeconds: 31 });
    expect(b).not.toBe(a);
    // A version still in use keeps serving.
    pool.closeExcept(new Set(['v1', 'v2']));
    const still = await request(`${targetUrl}/`, { dispatcher: a });
    await still.body.dump();
    pool.closeExcept(new Set(['v2']));
    await until(() => closed(a), 'the version not kept to close');
    expect(closed(b)).toBe(false);
    // A closed version asked for again gets a fresh dispatcher, not the closed one.
    expect(closed(pool.get('v1', { timeoutSeconds: 30 }))).toBe(false);
    await pool.close();
    expect(closed(b)).toBe(true);
  });

  it('rejects SOCKS4, NTLM and Digest with what to use instead', () => {
    expect(proxyProblems({ type: 'socks4', host: 'h', port: 1 })[0]![1]).toMatch(/SOCKS4 is not supported.*socks5/);
    expect(proxyProblems({ type: 'http', host: 'h', port: 1, auth: 'ntlm' })[0]![1]).toMatch(/NTLM.*cntlm/);
    expect(proxyProblems({ type: 'http', host: 'h', port: 1, auth: 'digest' })[0]![1]).toMatch(/Digest.*Basic/);
    expect(() => createDispatcher({ proxy: { type: 'socks4', host: 'h', port: 1 } })).toThrow(
      /SOCKS4 is not supported/,
    );
  });
});
