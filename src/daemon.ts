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
import { startSandboxes, type DaemonPart } from './sandboxes.ts';
import { setFlagsFromString } from 'node:v8';

export type { DaemonPart };

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

/**
 * Loading 1,000 job files keeps enough objects alive that V8 doubles its young
 * generation to the 16 MB maximum, and an idle daemon never gives it back. With
 * growth off while a daemon runs, its idle RSS with 1,000 jobs was 94-97 MB instead
 * of 107-115 MB, for the same start-up CPU time, and a `run` uploading 133 MiB in
 * 301 files took the same CPU time both ways (1.8 s, median of 4). Left alone when the
 * user chose semi-space flags; the default (2, `node --v8-options`) is back once the
 * daemon stops, for whatever else runs in the process (tests).
 */
function smallYoungGeneration(): () => void {
  const chosen = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((a) => a.includes('semi-space'));
  if (chosen) return () => {};
  setFlagsFromString('--semi-space-growth-factor=1');
  return () => setFlagsFromString('--semi-space-growth-factor=2');
}

export async function startDaemon(configFile: string, opts: DaemonOptions = {}): Promise<Daemon> {
  const restoreYoungGeneration = smallYoungGeneration();
  try {
    const daemon = await startDaemonParts(configFile, opts);
    const stop = daemon.stop;
    return { ...daemon, stop: (reason) => stop(reason).finally(restoreYoungGeneration) };
  } catch (err) {
    restoreYoungGeneration();
    throw err;
  }
}

async function startDaemonParts(configFile: string, opts: DaemonOptions): Promise<Daemon> {
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
    const watcher = watchConfig({
      config: loaded.config,
      registry: loaded.registry,
      scheduler,
      log,
      env: opts.env,
      store: services.store,
    });
    parts.push({ name: 'config watcher', stop: async () => watcher.close() });
    reload = () => watcher.reload();
    // Started last so it is stopped first: no request lands on a stopping scheduler.
    if (loaded.config.admin.enabled) {
      // Imported only here: a daemon with the admin off does not load fastify and its
      // plugins (about 0.15 s of CPU at start).
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
