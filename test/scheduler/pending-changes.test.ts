// What a trigger reported, kept in the store until a run that took it has ended: the
// fold by item, the take/clear rule, and the bound that holds a watcher back.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { PENDING_MAX, PendingChanges, type PendingJob } from '../../src/scheduler/pending-changes.ts';
import { startTrigger } from '../../src/scheduler/triggers.ts';
import type { ConnectionCache } from '../../src/scheduler/connections.ts';
import type { JobDefinition } from '../../src/config/types.ts';
import { Registry } from '../../src/registry.ts';
import type { TriggerContext } from '../../src/plugin.ts';
import { until } from '../helpers/wait.ts';
import { configTree, jobYaml } from '../helpers/test-plugin.ts';
import { harness } from './harness.ts';

let dir: string;
let store: Store;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropcron-pending-'));
  store = createStore({ state: dir, store: 'file', historyLimit: 10 });
  await store.start();
});
afterEach(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const key = (item: unknown) => (item as { path: string }).path;
const report = (...paths: string[]) => ({ kind: 'files', root: '/in', items: paths.map((path) => ({ path })) });
const watching = (path: string, name = 'job'): PendingJob => ({
  name,
  trigger: { type: 'local', options: { path, recursive: false }, debounceMs: 10 },
});
const job = watching('/in');

describe('pending changes', () => {
  it('folds a file reported twice, and keeps a report newer than what a run took', async () => {
    const p = new PendingChanges(store);
    expect(await p.record(job, report('/in/a', '/in/b'), key)).toBe(2);
    expect(await p.record(job, report('/in/a'), key)).toBe(2);
    const taken = (await p.take(job))!;
    expect(taken.input).toEqual({ kind: 'files', root: '/in', items: [{ path: '/in/b' }, { path: '/in/a' }] });
    // b changes again while the run that took it is going: the run's end must not clear it.
    await p.record(job, report('/in/b'), key);
    await p.ack(job, taken);
    expect((await p.take(job))!.input.items).toEqual([{ path: '/in/b' }]);
    await p.ack(job, (await p.take(job))!);
    expect(await p.take(job)).toBeUndefined();
  });

  it('holds the watcher past PENDING_MAX until a run has taken the changes', async () => {
    const pending = new PendingChanges(store);
    let held = true;
    let saved = false;
    const registry = new Registry();
    registry.add({
      name: 'fake',
      connectionTypes: [],
      taskTypes: [],
      triggerTypes: [
        {
          name: 'burst',
          schema: { type: 'object' },
          itemKey: key,
          async watch(_o, ctx: TriggerContext) {
            ctx.onChange(report(...Array.from({ length: PENDING_MAX }, (_, i) => `/in/${i}`)));
            await ctx.kept();
            held = false;
            saved = true; // where a watcher would save its position
            await new Promise((r) => ctx.signal.addEventListener('abort', r));
          },
        },
      ],
    });
    const connections = { acquire: async () => ({ connection: {}, release() {} }) } as unknown as ConnectionCache;
    const def = {
      name: 'job',
      enabled: true,
      connection: 'c',
      trigger: { type: 'burst', options: {}, debounceMs: 10 },
    } as unknown as JobDefinition;
    let fired = 0;
    const deps = {
      registry,
      connections,
      store,
      log: pino({ level: 'silent' }),
      clock: { now: Date.now },
      pending,
      baseDir: '.',
    };
    const handle = startTrigger(def, deps, () => fired++)!;
    try {
      await until(() => fired === 1, 'the debounce to fire', 10_000);
      expect(await pending.count(def)).toBe(PENDING_MAX);
      expect({ held, saved }).toEqual({ held: true, saved: false });
      await pending.ack(def, (await pending.take(def))!);
      await until(() => saved, 'the watcher to go on once a run took the changes', 10_000);
    } finally {
      handle.stop();
      await handle.done;
    }
  });

  it("feeds no run another trigger's items, and a run that took those clears none of the new", async () => {
    const p = new PendingChanges(store);
    await p.record(job, report('/in/old'), key);
    const old = (await p.take(job))!;
    // The job now watches /other (a reload, or a config edited while the daemon was down).
    const moved = watching('/other');
    expect(await p.count(moved)).toBe(0);
    expect(await p.take(moved)).toBeUndefined();
    // The same options in another key order are the same trigger; another debounce too.
    const reordered: PendingJob = {
      name: 'job',
      trigger: { type: 'local', options: { recursive: false, path: '/in' }, debounceMs: 99 },
    };
    expect(await p.count(reordered)).toBe(1);
    await p.record(moved, report('/other/new'), key);
    expect(await p.count(job)).toBe(0);
    // The old run ends after the new report: the new item stays.
    await p.ack(job, old);
    expect((await p.take(moved))!.input.items).toEqual([{ path: '/other/new' }]);
  });

  it('at start, forgets the records of removed jobs and of changed triggers, and keeps the rest', async () => {
    const p = new PendingChanges(store);
    await p.record(watching('/in', 'kept'), report('/in/a'), key);
    await p.record(watching('/in', 'removed'), report('/in/b'), key);
    await p.record(watching('/in', 'moved'), report('/in/c'), key);
    await p.keepOnly([watching('/in', 'kept'), watching('/elsewhere', 'moved')]);
    const left = (await store.checkpoints('trigger-pending').list()).map((e) => e.key);
    expect(left).toEqual(['kept']);
    expect(await p.count(watching('/in', 'kept'))).toBe(1);
  });
});

describe('pending changes of a job removed from the config', () => {
  it('are forgotten on a reload that removes the job, and kept for a job only disabled', async () => {
    const emit = '  - emit: { items: [] }\n';
    const tree = await configTree({
      'jobs/gone.yaml': jobYaml('gone', '0 0 1 1 *', emit),
      'jobs/off.yaml': jobYaml('off', '0 0 1 1 *', emit, 'enabled: false\n'),
    });
    const h = await harness(tree.configFile);
    try {
      const area = createStore({ state: h.loaded.config.state, store: 'file', historyLimit: 10 });
      const p = new PendingChanges(area);
      const gone = h.loaded.jobs.find((j) => j.name === 'gone');
      const off = h.loaded.jobs.find((j) => j.name === 'off');
      await p.record(gone!, report('/in/a'), key);
      await p.record(off!, report('/in/b'), key);
      expect(h.scheduler.update([off!], h.loaded.connections).removed).toEqual(['gone']);
      await h.scheduler.idle();
      expect(await p.count(gone!)).toBe(0);
      expect(await p.count(off!)).toBe(1);
    } finally {
      await h.scheduler.stop();
    }
  });
});
