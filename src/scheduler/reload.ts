// Hot reload: watches the jobs and connections directories and, a moment after the
// last change, re-runs the one config loader. Valid files take effect at once; a
// file that became invalid is reported (file:line:col) and its last valid version
// keeps running; a removed file's jobs or connection go away. With a store that shares
// definitions (PostgreSQL), each reload first brings the folders into step with the
// store (store/definitions-mirror.ts), and a poll of the store's revision every second
// reloads when another daemon or `dropcron apply` changed something.
import { watch, type FSWatcher } from 'node:fs';
import { loadConfig, type LoadedConfig } from '../config/load.ts';
import { formatProblem } from '../config/problems.ts';
import type { Registry } from '../registry.ts';
import type { DaemonConfig } from '../config/types.ts';
import type { Logger } from '../log.ts';
import { DefinitionsMirror, type Accepted } from '../store/definitions-mirror.ts';
import { clearTextSecrets } from '../store/clear-secrets.ts';
import type { Store } from '../store/store.ts';
import { oneLine } from '../one-line.ts';
import type { Scheduler } from './scheduler.ts';

export interface ReloadOptions {
  /** The running configuration: its file is re-read, its directories watched. */
  config: DaemonConfig;
  registry: Registry;
  scheduler: Scheduler;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** Editors write a file in several steps (temp file, rename, chmod); wait for quiet. */
  debounceMs?: number;
  /** The daemon's store: when its definitions are shared, the folders mirror them. */
  store?: Store;
  /** How often the shared definitions' revision is polled (1 s: a change is everywhere within 5 s). */
  pollMs?: number;
}

export interface ConfigWatcher {
  /** Reloads now (also what a file change triggers). */
  reload(): Promise<void>;
  /**
   * What the last reload applied: the loader's problems, and the definitions the
   * scheduler now runs (last valid versions of broken files included). Undefined
   * until the first reload; the admin UI reads this so it shows what runs.
   */
  current(): LoadedConfig | undefined;
  close(): void;
}

/** Fresh definitions, plus the previous ones from files that are now invalid. */
export function keepLastValid<T extends { name: string; file: string }>(
  fresh: T[],
  previous: T[],
  invalidFiles: Set<string>,
): T[] {
  const names = new Set(fresh.map((d) => d.name));
  return [...fresh, ...previous.filter((d) => invalidFiles.has(d.file) && !names.has(d.name))];
}

/** A fresh load with the definitions of its invalid files taken from `previous`. */
export function withLastValid(fresh: LoadedConfig, previous: Pick<LoadedConfig, 'jobs' | 'connections'>): LoadedConfig {
  return {
    ...fresh,
    jobs: keepLastValid(fresh.jobs, previous.jobs, fresh.invalidFiles),
    connections: keepLastValid(fresh.connections, previous.connections, fresh.invalidFiles),
  };
}

/** The texts a load accepted: read by it, and without problems. */
function acceptedBy(loaded: LoadedConfig): Accepted {
  return { accepts: (file, text) => !loaded.invalidFiles.has(file) && loaded.sources.get(file) === text };
}

export function watchConfig(opts: ReloadOptions): ConfigWatcher {
  const log = opts.log.child({ part: 'reload' });
  const { scheduler } = opts;
  const watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let again = false;
  let reported = new Set<string>();
  let applied: LoadedConfig | undefined;
  const dirs = { jobs: opts.config.jobs, connections: opts.config.connections };
  const definitions = opts.store?.definitions;
  const mirror = definitions?.shared
    ? new DefinitionsMirror({
        definitions,
        dirs,
        log: opts.log,
        refuse: (kind, file, text) => (kind === 'connections' ? clearTextSecrets(file, text, opts.registry) : []),
      })
    : undefined;
  /** The last store error, logged once until it changes or the store answers again. */
  let storeError: string | undefined;
  const storeFailed = (err: unknown) => {
    const msg = oneLine(err, 200);
    if (msg !== storeError)
      log.warn(`cannot sync definitions with the store (the local files apply meanwhile): ${msg}`);
    storeError = msg;
  };

  const reloadOnce = async () => {
    const loaded = await loadConfig(opts.config.file, { registry: opts.registry, env: opts.env });
    const { config } = loaded;
    // config.yaml itself is read at start only; a broken or moved one must not
    // make every job look removed.
    // (A missing jobs/ or connections/ directory is a problem of config.yaml too.)
    const blocking = loaded.problems.filter((p) => p.file === config.file);
    if (blocking.length || config.jobs !== dirs.jobs || config.connections !== dirs.connections) {
      for (const p of blocking) log.warn({ file: p.file, line: p.line, col: p.col }, formatProblem(p));
      log.warn(
        'config.yaml or a config directory changed or broke; jobs left as they were (restart dropcron to apply config.yaml changes)',
      );
      return;
    }
    if (mirror) {
      try {
        const wrote = await mirror.sync(acceptedBy(loaded));
        storeError = undefined;
        // The folders changed under this load: load them again before applying anything.
        if (wrote) {
          again = true;
          return;
        }
      } catch (err) {
        storeFailed(err);
      }
    }
    const now = new Set<string>();
    for (const p of loaded.problems) {
      const line = formatProblem(p);
      now.add(line);
      if (!reported.has(line))
        log.warn(
          { file: p.file, line: p.line, col: p.col },
          `${line} (the last valid version of this file keeps running)`,
        );
    }
    reported = now;
    applied = withLastValid(loaded, {
      jobs: scheduler.jobDefinitions(),
      connections: scheduler.connectionDefinitions(),
    });
    scheduler.update(applied.jobs, applied.connections);
  };

  const reload = async (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await reloadOnce();
        } catch (err) {
          log.error(`reload failed: ${(err as Error).message}`);
        }
      } while (again);
      running = undefined;
    })();
    return running;
  };

  const schedule = () => {
    clearTimeout(timer);
    timer = setTimeout(() => void reload(), opts.debounceMs ?? 250);
  };

  for (const dir of [dirs.jobs, dirs.connections]) {
    try {
      const w = watch(dir, { persistent: false }, schedule);
      w.on('error', (err) => log.warn(`watching ${dir} stopped: ${err.message}`));
      watchers.push(w);
    } catch (err) {
      log.warn(`cannot watch ${dir} for changes: ${(err as Error).message}`);
    }
  }

  /**
   * A change in the store: written into the folders, then loaded. Nothing is loaded when
   * no file changed (a daemon's own publish, or the first sync of one already in step),
   * so a cluster's daemons do not all re-read every file at start.
   */
  const pull = async (): Promise<void> => {
    if (!mirror) return;
    // Before the first load here, what the scheduler runs is what the daemon's start-up
    // load accepted, moments ago.
    const running = new Set([...scheduler.jobDefinitions(), ...scheduler.connectionDefinitions()].map((d) => d.file));
    const accepted = applied ? acceptedBy(applied) : { accepts: (file: string) => running.has(file) };
    try {
      const wrote = await mirror.sync(accepted);
      storeError = undefined;
      if (wrote) await reload();
    } catch (err) {
      storeFailed(err);
    }
  };
  const poll = mirror
    ? setInterval(
        () => void mirror.changed().then((changed) => (changed ? pull() : undefined), storeFailed),
        opts.pollMs ?? 1_000,
      ).unref()
    : undefined;
  // The daemon started on its local files: bring them into step with the store now.
  void pull();

  return {
    reload,
    current: () => applied,
    close() {
      clearInterval(poll);
      mirror?.close();
      clearTimeout(timer);
      for (const w of watchers) w.close();
      watchers.length = 0;
    },
  };
}
