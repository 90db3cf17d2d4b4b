// A real tinyproxy on loopback for proxy tests: its log shows every request it
// forwarded, so a test can prove a call went through it.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './helpers.ts';

export interface TinyProxy {
  port: number;
  /** The proxy's log so far (request lines included). */
  log(): Promise<string>;
  stop(): Promise<void>;
}

export async function startTinyproxy(opts: { username?: string; password?: string } = {}): Promise<TinyProxy> {
  const dir = await mkdtemp(join(tmpdir(), 'dropcron-tinyproxy-'));
  const port = await freePort();
  const logFile = join(dir, 'tinyproxy.log');
  const conf = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Allow 127.0.0.1',
    'Timeout 30',
    `LogFile "${logFile}"`,
    'LogLevel Info',
    'MaxClients 20',
    `PidFile "${join(dir, 'tinyproxy.pid')}"`,
    ...(process.getuid?.() === 0 ? ['User nobody', 'Group nogroup'] : []),
    ...(opts.username ? [`BasicAuth ${opts.username} ${opts.password ?? ''}`] : []),
  ].join('\n');
  const confFile = join(dir, 'tinyproxy.conf');
  await writeFile(confFile, conf + '\n');
  await writeFile(logFile, '', { mode: 0o666 });
  const { chmod } = await import('node:fs/promises');
  await chmod(dir, 0o777);
  await chmod(logFile, 0o666);
  const child: ChildProcess = spawn('/usr/bin/tinyproxy', ['-d', '-c', confFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) throw new Error(`tinyproxy exited: ${stderr}`);
    if (await canConnect(port)) break;
    if (i > 100) throw new Error(`tinyproxy did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    log: () => readFile(logFile, 'utf8'),
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}
