// Starts the admin server for the daemon: builds its context from the loaded config,
// settles the admin password, listens on config.admin.host:port.
import { EventEmitter } from 'node:events';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import type { Env } from '../config/yaml-file.ts';
import type { Logger } from '../log.ts';
import type { Services } from '../plugin.ts';
import type { Store } from '../store/store.ts';
import type { AdminContext, AdminEventMap, AdminScheduler } from './context.ts';
import { adminPassword } from './password.ts';
import { buildAdminServer, originOf } from './server.ts';

export interface AdminOptions {
  loaded: LoadedConfig;
  services: Services & { store: Store };
  log: Logger;
  env?: Env;
  scheduler?: AdminScheduler;
  /** Called after the UI changed a file, so the scheduler picks it up at once. */
  onChange?: () => Promise<void>;
  /** Where the generated password is printed once (stderr). */
  announce?: (line: string) => void;
}

export interface AdminHandle {
  url: string;
  app: FastifyInstance;
  ctx: AdminContext;
  close(): Promise<void>;
}

export function createAdminContext(opts: AdminOptions, origin: () => string): AdminContext {
  let current = opts.loaded;
  const env = opts.env ?? process.env;
  const refresh = async () => {
    current = await loadConfig(current.config.file, { env, registry: current.registry });
  };
  return {
    loaded: () => current,
    refresh,
    async reload() {
      await refresh();
      await opts.onChange?.();
    },
    services: opts.services,
    store: opts.services.store,
    log: opts.log.child({ part: 'admin' }),
    env,
    scheduler: opts.scheduler,
    origin,
    bus: new EventEmitter<AdminEventMap>(),
  };
}

export async function startAdmin(opts: AdminOptions): Promise<AdminHandle> {
  const { host, port, password } = opts.loaded.config.admin;
  let origin = originOf(host, port);
  const ctx = createAdminContext(opts, () => origin);
  const check = await adminPassword(
    password || undefined,
    opts.loaded.config.state,
    opts.announce ?? ((line) => process.stderr.write(line + '\n')),
  );
  const app = await buildAdminServer(ctx, { password: check });
  try {
    await app.listen({ host, port });
  } catch (err) {
    await app.close();
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE'
        ? 'the port is in use'
        : code === 'EADDRNOTAVAIL'
          ? 'no such address on this machine'
          : code === 'EACCES'
            ? 'permission denied'
            : (err as Error).message;
    throw new Error(
      `the admin server cannot listen on ${host}:${port}: ${why} (set admin.host / admin.port in ${opts.loaded.config.file}, or admin.enabled: false)`,
      { cause: err },
    );
  }
  const addr = app.server.address();
  if (addr && typeof addr === 'object') origin = originOf(host, addr.port);
  ctx.log.info({ url: origin }, 'admin UI listening');
  return { url: origin, app, ctx, close: () => app.close() };
}
