// What a trigger reported, kept in the store until a run that took it has ended: the
// fold by item, the take/clear rule, and the bound that holds a watcher back.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { createStore } from '../../src/store/open.ts';
import type { Store } from '../../src/store/store.ts';
import { PENDING_MAX, PendingChanges } from '../../src/scheduler/pending-changes.ts';
import { startTrigger } from '../../src/scheduler/triggers.ts';
import type { ConnectionCache } from '../../src/scheduler/connections.ts';
import type { JobDefinition } from '../../src/config/types.ts';
import { Registry } from '../../src/registry.ts';
import type { TriggerContext } from '../../src/plugin.ts';
import { until } from '../helpers/wait.ts';

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

describe('pending changes', () => {
  it('folds a file reported twice, and keeps a report newer than what a run took', async () => {
    const p = new PendingChanges(store);
    expect(await p.record('job', report('/in/a', '/in/b'), key)).toBe(2);
    expect(await p.record('job', report('/in/a'), key)).toBe(2);
    const taken = (await p.take('job'))!;
    expect(taken.input).toEqual({ kind: 'files', root: '/in', items: [{ path: '/in/b' }, { path: '/in/a' }] });
    // b changes again while the run that took it is going: the run's end must not clear it.
    await p.record('job', report('/in/b'), key);
    await p.ack('job', taken);
    expect((await p.take('job'))!.input.items).toEqual([{ path: '/in/b' }]);
    await p.ack('job', (await p.take('job'))!);
    expect(await p.take('job')).toBeUndefined();
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
      expect(await pending.count('job')).toBe(PENDING_MAX);
      expect({ held, saved }).toEqual({ held: true, saved: false });
      await pending.ack('job', (await pending.take('job'))!);
      await until(() => saved, 'the watcher to go on once a run took the changes', 10_000);
    } finally {
      handle.stop();
      await handle.done;
    }
  });
});
