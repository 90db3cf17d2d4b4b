// The daemon: config -> plugins -> sandboxes -> scheduler -> admin server, and the
// reverse on shutdown. Each part has start/stop so the order lives in one place.
import { loadConfig, type LoadedConfig } from './config/load.ts';
import { ConfigError, formatProblem } from './config/problems.ts';
import { createLogger, type Logger } from './log.ts';
import { ensureDir } from './store/atomic.ts';
import { loadMasterKey } from './store/master-key.ts';
import { createServices, type OwnedServices } from './services.ts';
import type { Registry } from './registry.ts';
import { Scheduler } from './scheduler/scheduler.ts';
import { watchConfig } from './scheduler/reload.ts';

export interface DaemonPart {
  name: string;
  stop(): Promise<void>;
}

export interface Daemon {
  loaded: LoadedConfig;
  services: OwnedServices;
  scheduler: Scheduler;
  log: Logger;
  /** URLs the daemon serves, by part (admin, sandbox:<plugin>). */
  urls: Record<string, string>;
  /** Re-reads connection and job files now, as a change to them would (SIGHUP). */
  reload(): Promise<void>;
  stop(reason?: string): Promise<void>;
}

export interface DaemonOptions {
  log?: Logger;
  env?: NodeJS.ProcessEnv;
  /** Overrides the plugins named in config.yaml (tests). */
  registry?: Registry;
}

export async function startDaemon(configFile: string, opts: DaemonOptions = {}): Promise<Daemon> {
  const loaded = await loadConfig(configFile, { env: opts.env, registry: opts.registry });
  // config.yaml itself must be valid; a broken job or connection file is reported
  // and skipped so one bad file never stops the others from running.
  const own = loaded.problems.filter((p) => p.file === loaded.config.file);
  if (own.length) throw new ConfigError(own);
  const log = opts.log ?? createLogger({ level: loaded.config.logLevel });
  for (const p of loaded.problems) log.warn({ file: p.file, line: p.line, col: p.col }, formatProblem(p));
  await ensureDir(loaded.config.state);
  // Refuse a key file readable by others now, not at the first token refresh at 2 a.m.;
  // on a first start this creates the key (0600).
  await loadMasterKey(loaded.config.state, opts.env);
  const services = createServices(loaded.config, { log, env: opts.env });
  try {
    await services.store.start();
  } catch (err) {
    await services.close();
    throw err;
  }
  const parts: DaemonPart[] = [];
  const urls: Record<string, string> = {};
  const stopAll = async () => {
    for (const part of parts.reverse()) {
      try {
        await part.stop();
      } catch (err) {
        log.error({ err }, `stopping ${part.name} failed`);
      }
    }
    await services.close();
  };
  const scheduler = new Scheduler({ config: loaded.config, registry: loaded.registry, services, log });
  let reload = async () => {};
  try {
    await startSandboxes(loaded, services, log, parts, urls);
    parts.push({ name: 'scheduler', stop: () => scheduler.stop() });
    await scheduler.start(loaded.jobs, loaded.connections);
    const watcher = watchConfig({ config: loaded.config, registry: loaded.registry, scheduler, log, env: opts.env });
    parts.push({ name: 'config watcher', stop: async () => watcher.close() });
    reload = () => watcher.reload();
    // Started last so it is stopped first: no request lands on a stopping scheduler.
    if (loaded.config.admin.enabled) {
      // Imported only here: fastify and its plugins are most of what `dropcron run`
      // (which shares startSandboxes with this module) would otherwise load for nothing.
      const { startAdmin } = await import('./admin/index.ts');
      const admin = await startAdmin({
        loaded,
        services,
        log,
        env: opts.env,
        scheduler,
        source: watcher,
      });
      urls.admin = admin.url;
      parts.push({ name: 'admin server', stop: () => admin.close() });
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  log.info(
    { connections: loaded.connections.length, jobs: loaded.jobs.length, config: loaded.config.file },
    'dropcron started',
  );
  let stopping: Promise<void> | undefined;
  return {
    loaded,
    services,
    scheduler,
    log,
    urls,
    reload: () => reload(),
    stop(reason = 'stop requested') {
      stopping ??= (async () => {
        log.info({ reason }, 'dropcron stopping');
        await stopAll();
        log.info('dropcron stopped');
        await new Promise<void>((r) => log.flush(() => r()));
      })();
      return stopping;
    },
  };
}

/**
 * Starts each plugin's sandbox when config.yaml says `sandbox: true`; shared by the
 * daemon and `dropcron run` so a one-off run sees the same services.
 */
export async function startSandboxes(
  loaded: LoadedConfig,
  services: OwnedServices,
  log: Logger,
  parts: DaemonPart[],
  urls: Record<string, string> = {},
): Promise<void> {
  if (!loaded.config.sandbox) return;
  for (const plugin of loaded.registry.plugins) {
    if (!plugin.startSandbox) continue;
    const sandbox = await plugin.startSandbox(services);
    services.sandboxes.set(plugin.name, sandbox);
    urls[`sandbox:${plugin.name}`] = sandbox.url;
    parts.push({ name: `${plugin.name} sandbox`, stop: () => sandbox.close() });
    log.info({ url: sandbox.url }, `${plugin.name} sandbox listening`);
  }
}
