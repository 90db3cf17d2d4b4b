// What the core hands to plugins: config, logger, state directory, dispatchers.
import type { DaemonConfig } from './config/types.ts';
import type { Services, ConnectionDefinition, Sandbox } from './plugin.ts';
import { createLogger, type Logger } from './log.ts';
import { DispatcherPool } from './net/dispatcher.ts';
import { connectionSecrets } from './store/vault.ts';
import { versionKey } from './scheduler/connections.ts';

export interface OwnedServices extends Services {
  close(): Promise<void>;
  dispatchers: DispatcherPool;
}

export function createServices(
  config: DaemonConfig,
  opts: { log?: Logger; quiet?: boolean; env?: NodeJS.ProcessEnv } = {},
): OwnedServices {
  const log = opts.log ?? createLogger({ level: opts.quiet ? 'warn' : config.logLevel });
  const dispatchers = new DispatcherPool();
  return {
    config,
    log,
    stateDir: config.state,
    secretsOf: (connection: string) => connectionSecrets(config.state, connection, opts.env),
    dispatchers,
    sandboxes: new Map<string, Sandbox>(),
    dispatcherFor: (def: ConnectionDefinition) =>
      dispatchers.get(versionKey(def), { proxy: def.proxy, timeoutSeconds: def.timeoutSeconds }),
    close: () => dispatchers.close(),
  };
}
