// A job's trigger besides the clock: runs the plugin's watcher for as long as the job
// is scheduled, and folds what it reports within the debounce into one run, whose
// first task gets the changed items as its input. The scheduler decides what the run
// then meets (overlap, the limit on jobs at once); this file only says when and with what.
import type { JobDefinition } from '../config/types.ts';
import type { Logger } from '../log.ts';
import type { PluginStore, TaskOutput } from '../plugin.ts';
import type { Registry } from '../registry.ts';
import type { ConnectionCache } from './connections.ts';
import { backoffDelay, sleep, type Clock } from './timers.ts';

export interface TriggerDeps {
  registry: Registry;
  connections: ConnectionCache;
  store: PluginStore;
  log: Logger;
  clock: Clock;
  /** Directory of config.yaml, for a trigger's relative local paths. */
  baseDir: string;
}

export interface TriggerHandle {
  /** Stops watching; a debounce under way is dropped. */
  stop(): void;
  /** Settles once the watcher has stopped (its last position saved). */
  done: Promise<void>;
}

/** After a watcher failed: the first wait before watching again, doubled up to the cap. */
const RESTART_MS = 5_000;
const RESTART_MAX_MS = 5 * 60_000;

/** Starts `def`'s trigger; `fire` gets the items that changed, once per debounce. */
export function startTrigger(
  def: JobDefinition,
  deps: TriggerDeps,
  fire: (input: TaskOutput) => void,
): TriggerHandle | undefined {
  const t = def.trigger;
  if (!t || !def.enabled) return undefined;
  const type = deps.registry.triggerTypes.get(t.type);
  const log = deps.log.child({ job: def.name, trigger: t.type });
  if (!type) {
    log.error(`job ${def.name}: no loaded plugin provides the trigger '${t.type}'`);
    return undefined;
  }
  const stop = new AbortController();
  let pending: { first: TaskOutput; items: Map<unknown, unknown> } | undefined;
  let timer: AbortController | undefined;
  let unnamed = 0;
  const onChange = (output: TaskOutput) => {
    if (stop.signal.aborted || !output.items.length) return;
    pending ??= { first: output, items: new Map() };
    for (const item of output.items) pending.items.set(type.itemKey?.(item) ?? unnamed++, item);
    if (timer) return;
    timer = new AbortController();
    sleep(t.debounceMs, { clock: deps.clock, signal: timer.signal }).then(
      () => {
        timer = undefined;
        const folded = pending!;
        pending = undefined;
        if (!stop.signal.aborted) fire({ ...folded.first, items: [...folded.items.values()] });
      },
      () => {},
    );
  };
  const done = (async () => {
    // A watcher that fails (the connection not authorised yet, the service down longer
    // than its retries) is started again after a growing wait, not given up on.
    for (let failures = 0; !stop.signal.aborted;) {
      let lease: Awaited<ReturnType<ConnectionCache['acquire']>> | undefined;
      try {
        if (type.usesConnection !== false) lease = await deps.connections.acquire(def.connection);
        await type.watch(t.options, {
          connection: lease?.connection,
          log,
          signal: stop.signal,
          store: deps.store,
          key: def.name,
          baseDir: deps.baseDir,
          onChange,
        });
        failures = 0;
      } catch (err) {
        if (stop.signal.aborted) break;
        failures++;
        const wait = backoffDelay(failures, RESTART_MS, RESTART_MAX_MS);
        log.error(
          { err },
          `job ${def.name}: the ${t.type} trigger stopped (${(err as Error).message}); watching again in ${Math.round(wait / 1000)} s`,
        );
        await sleep(wait, { clock: deps.clock, signal: stop.signal }).catch(() => {});
      } finally {
        lease?.release();
      }
    }
  })();
  return {
    done,
    stop: () => {
      stop.abort();
      timer?.abort();
    },
  };
}
