// Runs tasks for real: the emulator on loopback, the real connector, a TaskContext like
// the runner's. Local files live in a fresh temp folder that doubles as baseDir.
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import pino from 'pino';
import { startEmulator } from '../../plugins/dropbox/emulator/index.ts';
import { createDropboxClient } from '../../plugins/dropbox/api/client.ts';
import type { DropboxClient, TokenSource } from '../../plugins/dropbox/api/types.ts';
import type { PlannedWork, Progress, TaskContext, TaskOutput, TaskResult, TaskType } from '../../src/plugin.ts';
import { withDefaults } from '../../src/config/defaults.ts';

export type Emulator = Awaited<ReturnType<typeof startEmulator>>;

/** Options as a job file writes them: what the task's schema defaults may be left out. */
export type Written<O> = {
  [K in keyof O]?: NonNullable<O[K]> extends unknown[]
    ? O[K]
    : NonNullable<O[K]> extends object
      ? Written<NonNullable<O[K]>>
      : O[K];
};

export interface Harness {
  emu: Emulator;
  client: DropboxClient;
  agent: Agent;
  dir: string;
  progress: Progress[];
  /** Every plan the tasks announced (TaskContext.planned), in order. */
  planned: PlannedWork[];
  ctx(over?: Partial<TaskContext<DropboxClient>> & { now?: Date }): TaskContext<DropboxClient>;
  run<O>(
    task: TaskType<O, DropboxClient>,
    opts: Written<O>,
    over?: Partial<TaskContext<DropboxClient>> & { now?: Date },
  ): Promise<TaskResult>;
  close(): Promise<void>;
}

export function tokenSource(emu: Emulator, account = 'sandy'): TokenSource {
  let current: string | undefined;
  const fresh = async () => (current = (await emu.issueToken({ account })).accessToken);
  return {
    token: async () => current ?? fresh(),
    refresh: async () => fresh(),
  };
}

export interface HarnessOptions {
  endpoints?: (emu: Emulator) => { api: string; content: string };
  /** The connector's retry policy; tests of failures shorten the backoff. */
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const emu = await startEmulator({ port: 0 });
  const agent = new Agent();
  const client = createDropboxClient({
    dispatcher: agent,
    token: tokenSource(emu),
    endpoints: opts.endpoints?.(emu) ?? { api: emu.url, content: emu.url },
    ...(opts.retry ? { retry: opts.retry } : {}),
  });
  const dir = await mkdtemp(join(tmpdir(), 'dropcron-tasks-'));
  const progress: Progress[] = [];
  const planned: PlannedWork[] = [];
  const ctx = (over: Partial<TaskContext<DropboxClient>> & { now?: Date } = {}): TaskContext<DropboxClient> => {
    const { now, ...rest } = over;
    return {
      connection: client,
      log: pino({ level: 'silent' }),
      signal: new AbortController().signal,
      dryRun: false,
      progress: (p) => progress.push(p),
      planned: (p) => planned.push(p),
      vars: { now: now ?? new Date(), timezone: 'UTC', job: 'test-job', baseDir: dir } as TaskContext['vars'],
      ...rest,
    };
  };
  return {
    emu,
    client,
    agent,
    dir,
    progress,
    planned,
    ctx,
    // The runner gets options from the loader, which fills the schema's defaults: so here.
    run: <O>(
      task: TaskType<O, DropboxClient>,
      o: Written<O>,
      over?: Partial<TaskContext<DropboxClient>> & { now?: Date },
    ) => task.run(withDefaults(task.schema, o) as O, ctx(over)),
    async close() {
      await emu.close();
      await agent.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Every file under `dir` (relative path -> size and mtime), for before/after comparisons. */
export async function localTree(dir: string): Promise<Record<string, { size: number; mtimeMs: number }>> {
  const out: Record<string, { size: number; mtimeMs: number }> = {};
  const walk = async (d: string, rel: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(d, e.name), r);
      else {
        const s = await stat(join(d, e.name));
        out[r] = { size: s.size, mtimeMs: s.mtimeMs };
      }
    }
  };
  await walk(dir, '');
  return out;
}

export const text = (p: string) => readFile(p, 'utf8');

export function entriesOutput(out: TaskOutput | undefined): { items: Array<{ name: string; path_display?: string }> } {
  return out as unknown as { items: Array<{ name: string; path_display?: string }> };
}

/** Every entry below `folder` (recursive, not the folder itself), by path_display, through the real connector. */
export async function remoteTree(
  client: DropboxClient,
  folder = '',
): Promise<Map<string, import('../../plugins/dropbox/api/types.ts').Metadata>> {
  const out = new Map<string, import('../../plugins/dropbox/api/types.ts').Metadata>();
  try {
    for await (const m of client.listFolder(folder, { recursive: true })) {
      if (m.path_lower === folder.toLowerCase()) continue; // a recursive listing includes the folder itself
      out.set(m.path_display ?? m.path_lower ?? m.name, m);
    }
  } catch (err) {
    if (folder !== '' && (await client.getMetadata(folder)) === undefined) return out;
    throw err;
  }
  return out;
}

/** A comparable snapshot of a remote tree: path -> rev/size (folders as 'folder'). */
export async function remoteSnapshot(client: DropboxClient, folder = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [p, m] of await remoteTree(client, folder))
    out[p] = m['.tag'] === 'file' ? `${m.rev}:${m.size}:${m.content_hash}` : m['.tag'];
  return out;
}
