// Real proxies for tests, on free loopback ports: tinyproxy (HTTP + CONNECT, Basic
// auth, with a log that shows each request) and microsocks (SOCKS5 user/password;
// it prints each client connection on stderr, which is captured as its log).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningProxy {
  host: string;
  port: number;
  username: string;
  password: string;
  /** What the proxy logged so far. */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number, child: ChildProcess, what: string, output: () => string): Promise<void> {
  const until = Date.now() + 10_000;
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`${what} exited with ${child.exitCode}: ${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const c = connect(port, '127.0.0.1');
      c.once('connect', () => {
        c.destroy();
        resolve(true);
      });
      c.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not listen on ${port}: ${output()}`);
}

function stopper(child: ChildProcess, dir: string): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    await rm(dir, { recursive: true, force: true });
  };
}

export async function startTinyproxy(
  opts: {
    username?: string;
    password?: string;
    /** A fixed port, e.g. to restart it where it was. */
    port?: number;
  } = {},
): Promise<RunningProxy> {
  const username = opts.username ?? 'puser';
  const password = opts.password ?? 'ppass';
  const dir = await mkdtemp(join(tmpdir(), 'dropcron-tinyproxy-'));
  const port = opts.port ?? (await freePort());
  const logFile = join(dir, 'tinyproxy.log');
  const conf = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 600',
    'Allow 127.0.0.1',
    `BasicAuth ${username} ${password}`,
    `LogFile "${logFile}"`,
    'LogLevel Info', // request lines too, so a test can see which calls went through
    'MaxClients 100',
    'DisableViaHeader Yes',
    // No ConnectPort lines: CONNECT is allowed to any port (the emulator's is ephemeral).
  ].join('\n');
  await writeFile(join(dir, 'tinyproxy.conf'), `${conf}\n`);
  let out = '';
  const child = spawn('/usr/bin/tinyproxy', ['-d', '-c', join(dir, 'tinyproxy.conf')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  await waitForPort(port, child, 'tinyproxy', () => out);
  return {
    host: '127.0.0.1',
    port,
    username,
    password,
    log: async () => `${await readFile(logFile, 'utf8').catch(() => '')}${out}`,
    stop: stopper(child, dir),
  };
}

export async function startMicrosocks(opts: { username?: string; password?: string } = {}): Promise<RunningProxy> {
  const username = opts.username ?? 'suser';
  const password = opts.password ?? 'spass';
  const dir = await mkdtemp(join(tmpdir(), 'dropcron-microsocks-'));
  const port = await freePort();
  let out = '';
  const child = spawn('/usr/bin/microsocks', ['-i', '127.0.0.1', '-p', String(port), '-u', username, '-P', password], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => {
    out += d;
  });
  child.stderr!.on('data', (d) => {
    out += d;
  });
  await waitForPort(port, child, 'microsocks', () => out);
  return { host: '127.0.0.1', port, username, password, log: async () => out, stop: stopper(child, dir) };
}
