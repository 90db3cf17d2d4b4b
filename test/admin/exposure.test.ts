// The admin server bound beyond loopback: it needs TLS, or a TLS proxy in front named
// by publicUrl, else the daemon refuses to start. With TLS it speaks https with Secure
// cookies; behind a proxy the callback URL follows publicUrl and the client address
// comes from X-Forwarded-For; the Host-header check stays on; the log names the real
// bound address.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { createLogger } from '../../src/log.ts';
import { exposureProblem } from '../../src/admin/exposure.ts';
import { selfSignedCert } from '../../plugins/dropbox/emulator/tls.ts';
import { loadConfig } from '../../src/config/load.ts';
import { formatProblem } from '../../src/config/problems.ts';

const PASSWORD = 'a-long-enough-password';
const PUBLIC = 'https://dropcron.example.test';

describe('exposureProblem', () => {
  const admin = (more: Record<string, unknown>) => ({ enabled: true, host: '0.0.0.0', port: 0, ...more });
  it('allows loopback, TLS, or a trusted proxy with an https publicUrl; names the fix otherwise', () => {
    for (const host of ['127.0.0.1', '127.0.0.2', 'localhost', '::1'])
      expect(exposureProblem(admin({ host }))).toBe(undefined);
    expect(exposureProblem(admin({ tls: { cert: 'c', key: 'k' } }))).toBe(undefined);
    expect(exposureProblem(admin({ trustProxy: true, publicUrl: PUBLIC }))).toBe(undefined);
    for (const bad of [{}, { trustProxy: true }, { publicUrl: PUBLIC }, { host: '192.168.1.5' }])
      expect(exposureProblem(admin(bad))).toMatch(/^admin\.host is \S+, reachable from other machines: set admin\.tls/);
    expect(exposureProblem(admin({ trustProxy: true, publicUrl: 'http://nas.local' }))).toMatch(
      /admin\.publicUrl must be the https:\/\/ address of the TLS proxy/,
    );
  });
});

describe('the admin server beyond loopback', () => {
  let dir: string;
  let daemon: Daemon | undefined;
  const lines: string[] = [];
  afterEach(async () => {
    await daemon?.stop();
    daemon = undefined;
    lines.length = 0;
    await rm(dir, { recursive: true, force: true });
  });

  async function start(admin: string, files: Record<string, string> = {}) {
    dir = await mkdtemp(join(tmpdir(), 'dropcron-admin-exposed-'));
    await mkdir(join(dir, 'connections'));
    await mkdir(join(dir, 'jobs'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    await writeFile(
      join(dir, 'config.yaml'),
      `admin:\n  host: 0.0.0.0\n  port: 0\n  password: ${PASSWORD}\n${admin}\nstate: ./state\nconnections: ./connections\njobs: ./jobs\n`,
    );
    daemon = await startDaemon(join(dir, 'config.yaml'), {
      log: createLogger({ level: 'info', destination: { write: (l: string) => void lines.push(l) } as never }),
      env: {},
    });
    return daemon;
  }
  const portOf = (d: Daemon) => Number(new URL(d.urls.admin!).port);

  it('bound to 0.0.0.0 without TLS or a proxy, the daemon refuses to start with a one-line reason', async () => {
    const err = await start('').then(
      () => undefined,
      (e: Error) => e,
    );
    // Refused by the loader at config.yaml's admin.host, before anything is scheduled.
    expect(err?.message).toMatch(
      /config\.yaml:2:9 admin\.host admin\.host is 0\.0\.0\.0, reachable from other machines: set admin\.tls/,
    );
  });

  it('validate reports the same at config.yaml:line:col', async () => {
    dir = await mkdtemp(join(tmpdir(), 'dropcron-admin-exposed-'));
    await mkdir(join(dir, 'connections'));
    await mkdir(join(dir, 'jobs'));
    await writeFile(join(dir, 'config.yaml'), `admin:\n  host: 0.0.0.0\nstate: ./state\n`);
    const loaded = await loadConfig(join(dir, 'config.yaml'), { env: {} });
    expect(loaded.problems.map((p) => formatProblem(p))).toEqual([
      expect.stringMatching(/config\.yaml:2:9 admin\.host admin\.host is 0\.0\.0\.0, reachable from other machines/),
    ]);
  });

  it('with admin.tls: https with Secure cookies, the real bound address logged, foreign Host names refused', async () => {
    const { cert, key } = selfSignedCert();
    const d = await start('  tls:\n    cert: ./admin.crt\n    key: ./admin.key', {
      'admin.crt': cert,
      'admin.key': key,
    });
    const port = portOf(d);
    expect(d.urls.admin).toBe(`https://127.0.0.1:${port}`);
    expect(lines.join('')).toContain(`admin UI listening on https://0.0.0.0:${port}`);
    const dispatcher = new Agent({ connect: { ca: cert } });
    const signIn = await request(`https://127.0.0.1:${port}/api/session`, {
      dispatcher,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: PASSWORD }),
    });
    expect(signIn.statusCode).toBe(200);
    await signIn.body.dump();
    const cookies = [signIn.headers['set-cookie']].flat().map(String);
    expect(cookies.find((c) => c.startsWith('dropcron_session='))).toMatch(/; Secure/);
    expect(cookies.find((c) => c.startsWith('dropcron_device='))).toMatch(/; Secure/);
    expect(signIn.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    // undici checks the certificate against the Host header; these ask about Host only.
    const anyCert = new Agent({ connect: { rejectUnauthorized: false } });
    const byHost = async (host: string) => {
      const res = await request(`https://127.0.0.1:${port}/health`, { dispatcher: anyCert, headers: { host } });
      await res.body.dump();
      return res.statusCode;
    };
    expect(await byHost(`${hostname()}:${port}`)).toBe(200);
    expect(await byHost(`evil.example:${port}`)).toBe(421);
    await expect(request(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    await dispatcher.close();
    await anyCert.close();
  });

  it('behind a TLS proxy: the callback follows publicUrl, its host passes, the client address comes from the proxy', async () => {
    const d = await start(`  trustProxy: true\n  publicUrl: ${PUBLIC}/`, {
      'connections/home.yaml': 'name: home\ntype: dropbox\nsandbox: true\n',
    });
    expect(d.urls.admin).toBe(PUBLIC);
    const port = lines.join('').match(/admin UI listening on http:\/\/0\.0\.0\.0:(\d+)/)?.[1];
    expect(port).toBeDefined();
    const base = `http://127.0.0.1:${port}`;
    const proxied = (path: string, client: string, init: { method?: 'POST'; body?: string; cookie?: string } = {}) =>
      request(`${base}${path}`, {
        method: init.method ?? 'GET',
        headers: {
          host: 'dropcron.example.test',
          'x-forwarded-for': client,
          'x-forwarded-proto': 'https',
          ...(init.body ? { 'content-type': 'application/json' } : {}),
          ...(init.cookie ? { cookie: init.cookie } : {}),
        },
        body: init.body,
      });
    const health = await proxied('/health', '203.0.113.7');
    expect(health.statusCode).toBe(200);
    await health.body.dump();
    const evil = await request(`${base}/health`, { headers: { host: 'evil.example' } });
    expect(evil.statusCode).toBe(421);
    await evil.body.dump();

    // One client behind the proxy guesses until its hold is long enough (the wait doubles
    // per failure from 1 s) that a loaded machine cannot let it lapse before the next
    // request; another client, with the right password, gets in meanwhile.
    for (let i = 0; i < 12; i++) {
      const guess = await proxied('/api/session', '203.0.113.66', {
        method: 'POST',
        body: JSON.stringify({ password: `guess-${i}` }),
      });
      await guess.body.dump();
      const wait = Number(guess.headers['retry-after'] ?? 0);
      if (guess.statusCode === 429 && wait >= 4) break;
      if (guess.statusCode === 429) await new Promise((r) => setTimeout(r, wait * 1000));
    }
    const held = await proxied('/api/session', '203.0.113.66', {
      method: 'POST',
      body: JSON.stringify({ password: PASSWORD }),
    });
    expect(held.statusCode).toBe(429);
    await held.body.dump();
    const signIn = await proxied('/api/session', '203.0.113.7', {
      method: 'POST',
      body: JSON.stringify({ password: PASSWORD }),
    });
    expect(signIn.statusCode).toBe(200);
    await signIn.body.dump();
    const cookie = [signIn.headers['set-cookie']]
      .flat()
      .map(String)
      .find((c) => c.startsWith('dropcron_session='))!;
    expect(cookie).toMatch(/; Secure/);

    const one = await proxied('/api/connections/home', '203.0.113.7', { cookie: cookie.split(';')[0]! });
    expect(one.statusCode).toBe(200);
    expect(((await one.body.json()) as { connection: { callbackUrl: string } }).connection.callbackUrl).toBe(
      `${PUBLIC}/oauth2/callback`,
    );
  });
});
