// A job's trigger besides the clock: runs the plugin's watcher for as long as the job
// is scheduled, keeps what it reports in the store (pending-changes.ts) and fires one
// change run per debounce, whose first task gets the changed items as its input. The
// scheduler decides what the run then meets (the limit on jobs at once, a run already
// going); this file only says when.
import type { JobDefinition } from '../config/types.ts';
import type { Logger } from '../log.ts';
import type { PluginStore, TaskOutput } from '../plugin.ts';
import type { Registry } from '../registry.ts';
import type { ConnectionCache } from './connections.ts';
import { PENDING_MAX, type PendingChanges } from './pending-changes.ts';
import { backoffDelay, sleep, type Clock } from './timers.ts';

export interface TriggerDeps {
  registry: Registry;
  connections: ConnectionCache;
  store: PluginStore;
  log: Logger;
  clock: Clock;
  pending: PendingChanges;
  /** Directory of config.yaml, for a trigger's relative local paths. */
  baseDir: string;
}

export interface TriggerHandle {
  /** Stops watching; a debounce under way is dropped (its changes stay pending in the store). */
  stop(): void;
  /** Settles once the watcher has stopped (its last position saved). */
  done: Promise<void>;
}

/** After a watcher failed: the first wait before watching again, doubled up to the cap. */
const RESTART_MS = 5_000;
const RESTART_MAX_MS = 5 * 60_000;
/** While PENDING_MAX changes wait for a run, kept() asks this often whether a run took them. */
const ROOM_POLL_MS = 1_000;

/** Starts `def`'s trigger; `fire` is called once per debounce, with the changes pending in the store. */
export function startTrigger(def: JobDefinition, deps: TriggerDeps, fire: () => void): TriggerHandle | undefined {
  const t = def.trigger;
  if (!t || !def.enabled) return undefined;
  const type = deps.registry.triggerTypes.get(t.type);
  const log = deps.log.child({ job: def.name, trigger: t.type });
  if (!type) {
    log.error(`job ${def.name}: no loaded plugin provides the trigger '${t.type}'`);
    return undefined;
  }
  const stop = new AbortController();
  let timer: AbortController | undefined;
  /** The debounce: one fire for every change kept until it ends (they fold in the store). */
  const arm = () => {
    if (timer || stop.signal.aborted) return;
    timer = new AbortController();
    sleep(t.debounceMs, { clock: deps.clock, signal: timer.signal }).then(
      () => {
        timer = undefined;
        if (!stop.signal.aborted) fire();
      },
      () => {},
    );
  };
  // Changes kept before a stop, a reload or a run that did not finish: a run for them too.
  deps.pending.count(def).then(
    (n) => n && arm(),
    (err: unknown) => log.error({ err }, `job ${def.name}: cannot read its pending changes`),
  );
  /** The last report's write (to the pending count after it); kept() waits for it. */
  let writes = Promise.resolve(0);
  const onChange = (output: TaskOutput) => {
    if (stop.signal.aborted || !output.items.length) return;
    writes = writes.catch(() => 0).then(() => deps.pending.record(def, output, type.itemKey));
    writes.then(arm, () => {});
  };
  const kept = async () => {
    stop.signal.throwIfAborted();
    let n = await writes;
    while (n >= PENDING_MAX) {
      await sleep(ROOM_POLL_MS, { clock: deps.clock, signal: stop.signal });
      n = await deps.pending.count(def);
    }
    // Stopped meanwhile: a report after the stop was not kept, so the position must stay.
    stop.signal.throwIfAborted();
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
          kept,
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
    await writes.catch(() => {});
  })();
  return {
    done,
    stop: () => {
      stop.abort();
      timer?.abort();
    },
  };
}
