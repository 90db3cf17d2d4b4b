// Starts the admin server for the daemon: builds its context from the loaded config,
// settles the admin password, listens on config.admin.host:port.
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import type { Env } from '../config/yaml-file.ts';
import type { DaemonConfig } from '../config/types.ts';
import type { Logger } from '../log.ts';
import type { Services } from '../plugin.ts';
import type { Store } from '../store/store.ts';
import type { AdminContext, AdminEventMap, AdminScheduler } from './context.ts';
import { adminPassword } from './password.ts';
import { buildAdminServer } from './server.ts';
import { browserOrigin, exposureProblem, urlHost } from './exposure.ts';
import { withLastValid } from '../scheduler/reload.ts';

export interface AdminOptions {
  loaded: LoadedConfig;
  services: Services & { store: Store };
  log: Logger;
  env?: Env;
  scheduler?: AdminScheduler;
  /**
   * The daemon's config watcher: the one loader run whose result the scheduler
   * runs. The UI shows its view and asks it to reload (after an edit, or when a
   * page names a job it does not know yet), so the two never disagree. Without
   * it (tests of the API alone) the context loads the files itself.
   */
  source?: ConfigSource;
  /** Where the generated password is printed once (stderr). */
  announce?: (line: string) => void;
}

export interface ConfigSource {
  current(): LoadedConfig | undefined;
  reload(): Promise<void>;
}

export interface AdminHandle {
  url: string;
  app: FastifyInstance;
  ctx: AdminContext;
  close(): Promise<void>;
}

export function createAdminContext(opts: AdminOptions, origin: () => string): AdminContext {
  const env = opts.env ?? process.env;
  const source = opts.source ?? ownLoads(opts.loaded, env);
  const loaded = () => source.current() ?? opts.loaded;
  return {
    loaded,
    reload: () => source.reload(),
    services: opts.services,
    store: opts.services.store,
    log: opts.log.child({ part: 'admin' }),
    env,
    scheduler: opts.scheduler,
    origin,
    bus: new EventEmitter<AdminEventMap>(),
  };
}

/** Loads the files on request, keeping broken files' last valid definitions as the daemon's watcher does. */
function ownLoads(first: LoadedConfig, env: Env): ConfigSource {
  let current = first;
  // Refreshes overlap (every list request starts one): only a load newer than the one
  // shown may replace it, so a slow load begun before an edit cannot undo the edit.
  let started = 0;
  let shown = 0;
  return {
    current: () => current,
    async reload() {
      const seq = ++started;
      const next = await loadConfig(current.config.file, { env, registry: current.registry });
      if (seq > shown) {
        shown = seq;
        current = withLastValid(next, current);
      }
    },
  };
}

/** The PEM texts of admin.tls, its paths relative to config.yaml; a one-line error when unreadable. */
async function tlsFiles(admin: DaemonConfig['admin'], configFile: string) {
  if (!admin.tls) return undefined;
  const read = async (key: 'cert' | 'key') => {
    const file = resolve(dirname(configFile), admin.tls![key]);
    try {
      return await readFile(file, 'utf8');
    } catch (err) {
      throw new Error(`admin.tls.${key}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? err})`, {
        cause: err,
      });
    }
  };
  return { cert: await read('cert'), key: await read('key') };
}

export async function startAdmin(opts: AdminOptions): Promise<AdminHandle> {
  const admin = opts.loaded.config.admin;
  const { host, port, password } = admin;
  const refused = exposureProblem(admin);
  if (refused) throw new Error(`the admin server will not start: ${refused}`);
  const tls = await tlsFiles(admin, opts.loaded.config.file);
  let origin = browserOrigin(admin, port);
  const ctx = createAdminContext(opts, () => origin);
  const check = await adminPassword(
    password || undefined,
    opts.loaded.config.state,
    opts.announce ?? ((line) => process.stderr.write(line + '\n')),
  );
  const app = await buildAdminServer(ctx, { password: check, ...(tls ? { tls } : {}) });
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
  let bound = `${host}:${port}`;
  if (addr && typeof addr === 'object') {
    origin = browserOrigin(admin, addr.port);
    bound = `${tls ? 'https' : 'http'}://${urlHost(addr.address)}:${addr.port}`;
  }
  // The address it really listens on (0.0.0.0 is every interface), and the one to open.
  ctx.log.info({ listening: bound, url: origin }, `admin UI listening on ${bound}, open ${origin}`);
  return { url: origin, app, ctx, close: () => app.close() };
}
