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
    const { cache, closedClients, close } = probe();
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

    // What happened, in order: the old client must close only after its run let go of it.
    closedClients.push('released');
    running.release();
    await until(() => closedClients.includes('30'), 'the old client to close');
    expect(closedClients).toEqual(['released', '30']);
    expect(closed(oldDispatcher)).toBe(true);
    expect(closed(newDispatcher)).toBe(false);
    next.release();
    await close();
  });

  // The client and the dispatcher of one definition version go together, whether the
  // definition changes or goes, and whether a run still held it or not.
  it("retires a removed definition's client and dispatcher together, after its run", async () => {
    const { cache, services, closedClients, close } = probe();
    const v1 = { name: 'work', type: 'net-probe', file: 'x', timeoutSeconds: 30 };
    const idle = { name: 'idle', type: 'net-probe', file: 'y', timeoutSeconds: 20 };
    cache.setDefinitions([v1, idle]);
    const running = await cache.acquire('work');
    const idleLease = await cache.acquire('idle');
    idleLease.release();
    const runningDispatcher = (running.connection as { dispatcher: Dispatcher }).dispatcher;
    const idleDispatcher = (idleLease.connection as { dispatcher: Dispatcher }).dispatcher;
    // The same version's dispatcher is the one a plugin gets through Services.
    expect(services.dispatcherFor(v1)).toBe(runningDispatcher);

    cache.setDefinitions([]);
    await until(() => closed(idleDispatcher), 'the idle dispatcher to close');
    expect(closedClients).toEqual(['20']);
    expect(closed(runningDispatcher)).toBe(false);

    closedClients.push('released');
    running.release();
    await until(() => closed(runningDispatcher), 'the running dispatcher to close after its run');
    expect(closedClients).toEqual(['20', 'released', '30']);
    expect(closed(runningDispatcher)).toBe(true);
    await close();
  });

  it('keeps the dispatcher of an unchanged definition across reloads', async () => {
    const { cache, services, closedClients, close } = probe();
    const v1 = { name: 'work', type: 'net-probe', file: 'x', timeoutSeconds: 30 };
    cache.setDefinitions([v1]);
    const lease = await cache.acquire('work');
    lease.release();
    cache.setDefinitions([{ ...v1 }]);
    // The same client comes back: nothing was closed and reopened in between.
    const again = await cache.acquire('work');
    expect(again.connection).toBe(lease.connection);
    again.release();
    expect(closedClients).toEqual([]);
    expect(closed(services.dispatcherFor(v1))).toBe(false);
    expect(services.dispatcherFor(v1)).toBe((lease.connection as { dispatcher: Dispatcher }).dispatcher);
    await close();
  });
});

function probe() {
  const registry = new Registry();
  const closedClients: string[] = [];
  registry.add({
    name: 'net-probe',
    taskTypes: [],
    connectionTypes: [
      {
        type: 'net-probe',
        schema: {},
        open: (def, services) => ({ def, dispatcher: services.dispatcherFor(def) }),
        close: async (conn) =>
          void closedClients.push(String((conn as { def: ConnectionDefinition }).def.timeoutSeconds)),
      },
    ],
  });
  const services = createServices({ state: '/nonexistent', logLevel: 'silent' } as DaemonConfig, {
    log: pino({ level: 'silent' }),
  });
  const cache = new ConnectionCache(registry, services);
  const close = async () => {
    await cache.close();
    await services.close();
  };
  return { cache, services, closedClients, close };
}
