// The process fault cases' world: a config folder whose one connection points at an
// emulator in the test process (signed in by storing a grant in the vault, as
// `dropcron auth` leaves it), and the real `dropcron` command spawned against it as a
// child process, so it can be killed as a user's process would be.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, open, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { Emulator } from '../../plugins/dropbox/emulator/index.ts';
import { DEFAULT_SCOPES } from '../../plugins/dropbox/connection.ts';
import { saveGrant } from '../../plugins/dropbox/auth/grant.ts';
import { loadConfig } from '../../src/config/load.ts';
import { createServices } from '../../src/services.ts';
import { FileRunHistory, type RunRecord } from '../../src/store/history.ts';
import { CLI } from '../helpers/cli.ts';

export const MiB = 1024 * 1024;

export interface Child {
  proc: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** The exit code (null when killed by a signal) and the signal. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ProcessWorld {
  dir: string;
  stateDir: string;
  configFile: string;
  /** Writes jobs/<name>.yaml on the `box` connection; by default it is never due (run it by hand). */
  job(name: string, tasks: string, schedule?: string): Promise<void>;
  /** Spawns `dropcron --config <config> <args>`. */
  dropcron(...args: string[]): Child;
  /** Every child spawned, so a failed case can kill what it left running. */
  children: Child[];
  /** The job's runs, newest first. */
  history(job: string): Promise<RunRecord[]>;
  /** The upload checkpoints in <state>/upload-sessions. */
  checkpoints(): Promise<Array<{ sessionId: string; offset: number }>>;
}

export async function processWorld(emu: Emulator, config = ''): Promise<ProcessWorld> {
  const dir = await mkdtemp(join(tmpdir(), 'dropcron-fproc-'));
  const stateDir = join(dir, 'state');
  const configFile = join(dir, 'config.yaml');
  await mkdir(join(dir, 'connections'));
  await mkdir(join(dir, 'jobs'));
  await writeFile(
    configFile,
    [
      'admin: { enabled: false }',
      `state: ${JSON.stringify(stateDir)}`,
      'logLevel: info',
      'plugins: [dropbox]',
      'sandbox: false',
      'dropbox: { appKey: dropcron-sandbox }',
      config,
    ].join('\n'),
  );
  const endpoints = JSON.stringify({ api: emu.url, content: emu.url, www: emu.url });
  await writeFile(
    join(dir, 'connections', 'box.yaml'),
    `name: box\ntype: dropbox\naccount: personal\napp: builtin\nendpoints: ${endpoints}\n`,
  );
  await signInBox(emu, configFile);
  const sessions = join(stateDir, 'upload-sessions');
  const children: Child[] = [];
  return {
    dir,
    stateDir,
    configFile,
    async job(name, tasks, schedule = '0 0 1 1 *') {
      await writeFile(
        join(dir, 'jobs', `${name}.yaml`),
        `name: ${name}\nschedule: '${schedule}'\nconnection: box\ntasks:\n${tasks}`,
      );
    },
    dropcron(...args) {
      const proc = spawn(process.execPath, [CLI, '--config', configFile, ...args], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => (out += String(d)));
      proc.stderr!.on('data', (d: Buffer) => (out += String(d)));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        proc.once('exit', (code, signal) => resolve({ code, signal })),
      );
      const child = { proc, output: () => out, exited };
      children.push(child);
      return child;
    },
    children,
    history: (job) => new FileRunHistory(stateDir, 50).list(job),
    async checkpoints() {
      const names = await readdir(sessions).catch(() => [] as string[]);
      const out: Array<{ sessionId: string; offset: number }> = [];
      for (const n of names.filter((f) => f.endsWith('.json'))) {
        // A checkpoint being replaced is read whole or not at all (atomic rename).
        const text = await readFile(join(sessions, n), 'utf8').catch(() => undefined);
        if (text) out.push(JSON.parse(text) as { sessionId: string; offset: number });
      }
      return out;
    },
  };
}

/** What a finished sign-in of the connection `box` as sandy leaves: the refresh token in the vault. */
export async function signInBox(emu: Emulator, configFile: string, env?: NodeJS.ProcessEnv): Promise<void> {
  const loaded = await loadConfig(configFile, { env });
  const services = createServices(loaded.config, { log: pino({ level: 'silent' }), env });
  try {
    await saveGrant(services, 'box', emu.issueToken({ account: 'sandy' }).refreshToken, {
      scopes: [...DEFAULT_SCOPES],
      authorisedAt: new Date().toISOString(),
      appKey: 'dropcron-sandbox',
    });
  } finally {
    await services.close();
  }
}

/** Writes `size` bytes that differ per MiB (so a misplaced chunk changes the hash). */
export async function bigFile(path: string, size: number, seed: number): Promise<void> {
  const block = Buffer.alloc(MiB);
  for (let i = 0; i < block.length; i += 4) block.writeUInt32LE((i * 2654435761 + seed) >>> 0, i);
  const fh = await open(path, 'w');
  try {
    for (let off = 0, k = 0; off < size; off += MiB, k++) {
      block.writeUInt32LE(k, 0);
      await fh.write(block, 0, Math.min(MiB, size - off));
    }
  } finally {
    await fh.close();
  }
}

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export async function fileSha256(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/** Remote entries below `folder` (one level), by name. */
export function remoteNames(emu: Emulator, folder: string): string[] {
  const prefix = folder.toLowerCase() + '/';
  return emu.files
    .list('sandy')
    .filter((p) => p.toLowerCase().startsWith(prefix) && !p.slice(prefix.length).includes('/'))
    .map((p) => p.slice(prefix.length));
}
