// A plugin for testing the core only (not a product feature): a `test` connection
// type that counts opens and closes, and tasks that sleep, fail, write a file or
// emit items, so scheduler tests need no Dropbox.
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { DropcronError, type ErrorKind, type Plugin, type TaskContext, type TaskResult } from '../../src/plugin.ts';
import { Registry } from '../../src/registry.ts';
import { loadConfig } from '../../src/config/load.ts';

export interface TestPluginState {
  /** Every open, with the connection's `label` at the time. */
  opened: Array<{ name: string; label: unknown }>;
  closed: number;
  /** Task runs in order: `${task}:${id}` with the signal's state at the end. */
  events: string[];
  /** Contexts seen by tasks, for assertions on input, vars and logger. */
  contexts: Array<{ task: string; ctx: TaskContext }>;
}

const result = (partial: Partial<TaskResult> = {}): TaskResult => ({
  counts: {},
  bytes: 0,
  actions: [],
  warnings: [],
  ...partial,
});

function abortable(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

export function createTestPlugin(): { plugin: Plugin; registry: Registry; state: TestPluginState } {
  const state: TestPluginState = { opened: [], closed: 0, events: [], contexts: [] };
  const plugin: Plugin = {
    name: 'test',
    connectionTypes: [
      {
        type: 'test',
        schema: {
          type: 'object',
          properties: {
            name: {},
            type: {},
            label: { type: 'string' },
            // A secret whose name is in no list: only this flag keeps it out of logs.
            passphrase: { type: 'string', 'x-secret': true },
          },
          additionalProperties: false,
        },
        open(def) {
          state.opened.push({ name: def.name, label: def.label });
          return { name: def.name, label: def.label };
        },
        async close() {
          state.closed++;
        },
      },
    ],
    taskTypes: [
      {
        name: 'sleep',
        schema: {
          type: 'object',
          properties: { ms: { type: 'integer' }, id: { type: 'string' }, ignoreAbort: { type: 'boolean' } },
          required: ['ms'],
          additionalProperties: false,
        },
        async run(opts: { ms: number; id?: string; ignoreAbort?: boolean }, ctx) {
          state.contexts.push({ task: 'sleep', ctx });
          const id = opts.id ?? 'sleep';
          state.events.push(`start:${id}`);
          try {
            await (opts.ignoreAbort ? new Promise((r) => setTimeout(r, opts.ms)) : abortable(opts.ms, ctx.signal));
          } catch (err) {
            state.events.push(`aborted:${id}`);
            throw err;
          }
          state.events.push(`end:${id}`);
          return result({ counts: { slept: 1 } });
        },
      },
      {
        name: 'fail',
        schema: {
          type: 'object',
          properties: {
            message: { type: 'string' },
            times: { type: 'integer' },
            /** Fails part-way: these items failed after one item was done. */
            failedItems: { type: 'array', items: { type: 'string' } },
            kind: { enum: ['transient', 'no-retry', 'fatal', 'user'] },
          },
          additionalProperties: false,
        },
        async run(opts: { message?: string; times?: number; kind?: ErrorKind; failedItems?: string[] }, ctx) {
          state.contexts.push({ task: 'fail', ctx });
          const failures = state.events.filter((e) => e === 'fail').length;
          state.events.push('fail');
          // `times: n` fails the first n runs only (for retry tests).
          if (opts.times !== undefined && failures >= opts.times) return result({ counts: { recovered: 1 } });
          const message = `${opts.message ?? 'boom'}\n    at a stack line that must not be shown`;
          if (opts.failedItems)
            throw Object.assign(new Error(message), {
              result: result({ counts: { done: 1 }, bytes: 10, warnings: ['one warning'] }),
              failures: opts.failedItems,
            });
          // `kind:` throws a coded error of the test plugin's catalogue; without it, a bare Error.
          if (opts.kind)
            throw new DropcronError(`TEST_${opts.kind.toUpperCase().replace('-', '_')}`, opts.kind, message);
          throw new Error(message);
        },
      },
      {
        name: 'write',
        schema: {
          type: 'object',
          properties: { file: { type: 'string' }, content: { type: 'string' }, chunks: { type: 'integer' } },
          required: ['file'],
          additionalProperties: false,
        },
        async run(opts: { file: string; content?: string; chunks?: number }, ctx) {
          state.contexts.push({ task: 'write', ctx });
          const content = opts.content ?? ctx.input?.items.join('\n') ?? '';
          const bytes = Buffer.byteLength(content);
          const action = { action: 'write', target: opts.file, reason: 'new file', bytes };
          if (ctx.dryRun) return result({ counts: { written: 0, planned: 1 }, actions: [action] });
          // Reports progress in `chunks` steps, like a transfer would.
          const chunks = opts.chunks ?? 1;
          for (let i = 1; i <= chunks; i++)
            ctx.progress({ item: opts.file, done: Math.round((bytes * i) / chunks), total: bytes });
          await mkdir(dirname(opts.file), { recursive: true });
          const tmp = `${opts.file}.partial`;
          try {
            await writeFile(tmp, content, { signal: ctx.signal });
            ctx.signal.throwIfAborted();
            await writeFile(opts.file, content);
          } finally {
            await rm(tmp, { force: true });
          }
          ctx.log.info(`wrote ${opts.file}`);
          return result({ counts: { written: 1 }, bytes, actions: [action], warnings: content ? [] : ['empty file'] });
        },
      },
      {
        name: 'emit',
        schema: {
          type: 'object',
          properties: { items: { type: 'array', items: { type: 'string' } } },
          required: ['items'],
          additionalProperties: false,
        },
        async run(opts: { items: string[] }, ctx) {
          state.contexts.push({ task: 'emit', ctx });
          return result({ counts: { items: opts.items.length }, output: { kind: 'names', items: opts.items } });
        },
      },
    ],
  };
  const registry = new Registry();
  registry.add(plugin);
  return { plugin, registry, state };
}

/** A temporary config tree: config.yaml, connections/, jobs/, state/; `$DIR` in a text is the tree's path. */
export async function configTree(
  files: Record<string, string>,
  config = '',
): Promise<{ dir: string; configFile: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'dropcron-sched-'));
  const all: Record<string, string> = {
    'config.yaml': configYaml(config),
    'connections/main.yaml': 'name: main\ntype: test\nlabel: one\n',
    ...files,
  };
  await mkdir(join(dir, 'jobs'), { recursive: true });
  for (const [name, text] of Object.entries(all)) {
    await mkdir(dirname(join(dir, name)), { recursive: true });
    await writeFile(join(dir, name), text.replaceAll('$DIR', dir));
  }
  return { dir, configFile: join(dir, 'config.yaml') };
}

/** config.yaml: test defaults, each overridable by a `key: value` line in `extra`. */
function configYaml(extra: string): string {
  const defaults: Record<string, string> = {
    state: './state',
    timezone: 'UTC',
    logLevel: 'silent',
    shutdownGraceSeconds: '2',
    plugins: '[]',
  };
  const own = new Set(
    extra
      .split('\n')
      .map((l) => /^([A-Za-z]+):/.exec(l)?.[1])
      .filter(Boolean),
  );
  return (
    Object.entries(defaults)
      .filter(([k]) => !own.has(k))
      .map(([k, v]) => `${k}: ${v}\n`)
      .join('') + extra
  );
}

/** A job file's text. */
export function jobYaml(name: string, schedule: string, tasks: string, extra = ''): string {
  return `name: ${name}\nschedule: "${schedule}"\nconnection: main\n${extra}tasks:\n${tasks}`;
}

export async function loadTree(configFile: string, registry: Registry) {
  return loadConfig(configFile, { registry, env: {} });
}
