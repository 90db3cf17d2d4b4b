// What the core hands to plugins: config, logger, state directory, dispatchers; and
// to the core's own parts, the store.
import type { DaemonConfig } from './config/types.ts';
import type { Services, ConnectionDefinition, Sandbox } from './plugin.ts';
import { createLogger, type Logger } from './log.ts';
import { DispatcherPool } from './net/dispatcher.ts';
import { connectionSecrets } from './store/vault.ts';
import { createStore } from './store/open.ts';
import type { Store } from './store/store.ts';
import { versionKey } from './scheduler/connections.ts';
import { RemoteEvents } from './metrics/remote-events.ts';

export interface OwnedServices extends Services {
  close(): Promise<void>;
  dispatchers: DispatcherPool;
  /** Where everything is remembered (config.yaml's `store:`); closed with the services. */
  store: Store;
}

export function createServices(
  config: DaemonConfig,
  opts: { log?: Logger; quiet?: boolean; env?: NodeJS.ProcessEnv } = {},
): OwnedServices {
  const log = opts.log ?? createLogger({ level: opts.quiet ? 'warn' : config.logLevel });
  const dispatchers = new DispatcherPool();
  const store = createStore(config, opts.env);
  return {
    config,
    log,
    stateDir: config.state,
    secretsOf: (connection: string) => connectionSecrets(() => store.vault(), connection),
    dispatchers,
    store,
    sandboxes: new Map<string, Sandbox>(),
    events: new RemoteEvents(),
    dispatcherFor: (def: ConnectionDefinition) =>
      dispatchers.get(versionKey(def), { proxy: def.proxy, timeoutSeconds: def.timeoutSeconds }),
    close: async () => {
      await dispatchers.close();
      await store.close();
    },
  };
}
