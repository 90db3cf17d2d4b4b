import { describe, it, expect } from 'vitest';
import type { Dispatcher } from 'undici';
import { ConnectionCache } from '../../src/scheduler/connections.ts';
import { Registry } from '../../src/registry.ts';
import { createServices } from '../../src/services.ts';
import type { DaemonConfig } from '../../src/config/types.ts';
import type { ConnectionDefinition } from '../../src/plugin.ts';
import pino from 'pino';
import { until } from '../helpers/wait.ts';

const closed = (d: Dispatcher) => (d as unknown as { closed: boolean }).closed;

describe('connection cache and dispatchers', () => {
  it('keeps the old dispatcher open while a run still uses the old definition', async () => {
    const registry = new Registry();
    // What happened, in order: the old client must close only after its run let go of it.
    const events: string[] = [];
    registry.add({
      name: 'net-probe',
      taskTypes: [],
      connectionTypes: [
        {
          type: 'net-probe',
          schema: {},
          open: (def, services) => ({ def, dispatcher: services.dispatcherFor(def) }),
          close: async (conn) =>
            void events.push(`closed ${(conn as { def: ConnectionDefinition }).def.timeoutSeconds}`),
        },
      ],
    });
    const services = createServices({ state: '/nonexistent', logLevel: 'silent' } as DaemonConfig, {
      log: pino({ level: 'silent' }),
    });
    const cache = new ConnectionCache(registry, services);
    const v1 = { name: 'work', type: 'net-probe', file: 'x', timeoutSeconds: 30 };
    cache.setDefinitions([v1]);
    const running = await cache.acquire('work');
    const oldDispatcher = (running.connection as { dispatcher: Dispatcher }).dispatcher;

    // The file is edited (hot reload) while the run is under way.
    cache.setDefinitions([{ ...v1, timeoutSeconds: 45 }]);
    const next = await cache.acquire('work');
    const newDispatcher = (next.connection as { dispatcher: Dispatcher }).dispatcher;
    expect(newDispatcher).not.toBe(oldDispatcher);
    expect(closed(oldDispatcher)).toBe(false);

    events.push('released 30');
    running.release();
    await until(() => closed(oldDispatcher), 'the old dispatcher to close');
    expect(events).toEqual(['released 30', 'closed 30']);
    expect(closed(newDispatcher)).toBe(false);
    next.release();
    await cache.close();
    await services.close();
  });
});
