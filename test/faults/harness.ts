// The fault suite's world: a real emulator on loopback, a connection signed in through
// the real OAuth flow and opened by the plugin (its token refresh, pacer, retries, upload
// checkpoints and proxy dispatcher), and whole jobs run by the scheduler's runner through
// the real connection cache, as the daemon runs them.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll } from 'vitest';
import dropbox from '../../plugins/dropbox/index.ts';
import { withDefaults } from '../../src/config/defaults.ts';
import type { JobDefinition } from '../../src/config/types.ts';
import type { ConnectionDefinition } from '../../src/plugin.ts';
import { Registry } from '../../src/registry.ts';
import { ConnectionCache } from '../../src/scheduler/connections.ts';
import { runJob, type RunControl, type RunResult } from '../../src/scheduler/runner.ts';
import { startWorld, type World } from '../auth/harness.ts';

/** One task as a job file writes it: `{ upload: { from, to } }`. */
export type TaskSpec = Record<string, Record<string, unknown>>;

export interface FaultWorld extends World {
  /** The signed-in connection every job uses. */
  conn: ConnectionDefinition;
  registry: Registry;
  connections: ConnectionCache;
  /** Runs one job of these tasks through the runner, as the scheduler would. */
  runJob(tasks: TaskSpec[], control?: RunControl): Promise<RunResult>;
  /** Calls to the token endpoint so far (refreshes, once signed in). */
  tokenCalls(): number;
}

export async function startFaultWorld(
  opts: { accessTokenTtlSeconds?: number; connection?: Record<string, unknown> } = {},
): Promise<FaultWorld> {
  const w = await startWorld(opts);
  const conn = w.def(opts.connection);
  await w.signIn(conn);
  const registry = new Registry();
  registry.add(dropbox);
  const connections = new ConnectionCache(registry, w.services);
  connections.setDefinitions([conn]);
  return {
    ...w,
    conn,
    registry,
    connections,
    tokenCalls: () => w.emu.requests.filter((r) => r.route === 'oauth2/token').length,
    runJob(tasks, control) {
      return runJob(
        { job: jobOf(registry, tasks, conn.name), trigger: 'manual' },
        { registry, connections, log: pino({ level: 'silent' }), baseDir: w.dir },
        control,
      );
    },
    async close() {
      await connections.close();
      await w.close();
    },
  };
}

/** One world for all the tests of a file (or suite): started before them, closed after. */
export function worldForAll(opts: Parameters<typeof startFaultWorld>[0] = {}): { readonly w: FaultWorld } {
  const holder = {} as { w: FaultWorld };
  beforeAll(async () => {
    holder.w = await startFaultWorld(opts);
  });
  afterAll(async () => holder.w?.close());
  return holder;
}

function jobOf(registry: Registry, tasks: TaskSpec[], connection: string): JobDefinition {
  return {
    name: 'fault-job',
    file: 'fault-job.yaml',
    enabled: true,
    schedule: '0 0 * * *',
    timezone: 'UTC',
    connection,
    overlap: 'skip',
    catchUp: false,
    retries: { count: 0, backoffMs: 0 },
    // The loader fills each task's schema defaults; so here.
    tasks: tasks.map((t) => {
      const [type, options] = Object.entries(t)[0]!;
      const schema = registry.taskTypes.get(type)!.schema;
      return { type, options: withDefaults(schema, options) };
    }),
  };
}

/** Writes `files` (relative path -> bytes) under `dir`; returns `dir`. */
export async function writeTree(dir: string, files: Map<string, Buffer>): Promise<string> {
  for (const [rel, data] of files) {
    await mkdir(join(dir, rel, '..'), { recursive: true });
    await writeFile(join(dir, rel), data);
  }
  return dir;
}

/** `n` small files of distinct content, plus any `big` ones (name -> MiB), as a tree to write. */
export function sampleFiles(n: number, big: Record<string, number> = {}): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (let i = 0; i < n; i++)
    out.set(`small/f${String(i).padStart(3, '0')}.txt`, Buffer.from(`file ${i}\n`.repeat(20 + (i % 7))));
  for (const [name, mib] of Object.entries(big)) out.set(name, patterned(mib * 1024 * 1024 + 12_345, name));
  return out;
}

/** Bytes that differ at every 4 KiB and between seeds, so a misplaced range shows in the hash. */
function patterned(size: number, seed: string): Buffer {
  const b = Buffer.alloc(size);
  let x = [...seed].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  for (let i = 0; i + 4 <= size; i += 4) {
    x = (x * 1664525 + 1013904223) >>> 0;
    b.writeUInt32LE(x, i);
  }
  return b;
}

/** The run's outcome as the table shows it: `success` or `failed: CODE`, plus counts worth naming. */
export function outcomeOf(r: RunResult, extra: string[] = []): string {
  const rec = r.record;
  const head = rec.outcome === 'success' ? 'success' : `${rec.outcome}: ${rec.code ?? '?'}`;
  return [head, ...extra].join(', ');
}
