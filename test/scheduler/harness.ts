// Builds a Scheduler over a temporary config tree and the test plugin, with a
// logger whose lines the test can read.
import { Writable } from 'node:stream';
import { createLogger } from '../../src/log.ts';
import { createServices } from '../../src/services.ts';
import { Scheduler } from '../../src/scheduler/scheduler.ts';
import { createTestPlugin, loadTree } from '../helpers/test-plugin.ts';
import type { RunRecord } from '../../src/store/history.ts';

export interface Harness {
  scheduler: Scheduler;
  state: ReturnType<typeof createTestPlugin>['state'];
  registry: ReturnType<typeof createTestPlugin>['registry'];
  loaded: Awaited<ReturnType<typeof loadTree>>;
  lines: Array<{ level: number; msg: string; [k: string]: unknown }>;
  ended: RunRecord[];
  log: ReturnType<typeof createLogger>;
}

export function captureLogger() {
  const lines: Harness['lines'] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  const log = createLogger({ level: 'debug', destination: sink as unknown as import('pino').DestinationStream });
  return { log, lines };
}

export async function harness(
  configFile: string,
  opts: {
    start?: boolean;
    plugin?: ReturnType<typeof createTestPlugin>;
    random?: () => number;
    abortSettleMs?: number;
  } = {},
): Promise<Harness> {
  const plugin = opts.plugin ?? createTestPlugin();
  const loaded = await loadTree(configFile, plugin.registry);
  if (loaded.problems.length) throw new Error(loaded.problems.map((p) => p.message).join('; '));
  const { log, lines } = captureLogger();
  const services = createServices(loaded.config, { log });
  const scheduler = new Scheduler({
    config: loaded.config,
    registry: plugin.registry,
    services,
    log,
    random: opts.random ?? (() => 0.5),
    abortSettleMs: opts.abortSettleMs,
  });
  const ended: RunRecord[] = [];
  scheduler.events.on('run:end', (e) => ended.push(e.run));
  if (opts.start !== false) await scheduler.start(loaded.jobs, loaded.connections);
  return { scheduler, state: plugin.state, registry: plugin.registry, loaded, lines, ended, log };
}
