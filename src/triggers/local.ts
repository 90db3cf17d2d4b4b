// The `local` trigger: starts a job when files arrive in a local folder, once each has
// stopped changing (StabilityTracker). fs.watch is only a hint of where to look: it
// misses events on some filesystems (network mounts, some containers) and knows nothing
// of what happened before it started. A look at the whole folder at start and every
// RESCAN_MS is the truth. Nothing is kept between starts: a start reports every file in
// the folder once it is stable, so a file that arrived while the daemon was down is not
// lost (a job that keeps its files, without deleteSource, sees them again after a
// restart; upload's overwrite policy then skips the unchanged ones).
import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import type { TriggerContext, TriggerType } from '../plugin.ts';
import { parseDuration } from '../config/duration.ts';
import { sleep } from '../scheduler/timers.ts';
import { LOCAL_FILES, type LocalFileItem, type LocalFilesOutput } from './local-files.ts';
import { StabilityTracker, type FileState } from './stability.ts';

export interface LocalTriggerOptions {
  path: string;
  recursive?: boolean;
  stableFor?: string;
}

const DEFAULT_STABLE_FOR = '5s';
/** A look at the whole folder this often, whatever fs.watch said. */
export const RESCAN_MS = 15_000;
/**
 * Paths fs.watch named that wait for a look. Past this many (a burst of thousands of
 * files), they are dropped and the whole folder is looked at instead: memory stays
 * bounded and nothing is missed.
 */
export const MAX_HINTS = 1000;
/** After a hint, a short wait so a burst of writes to one file is one look. */
const HINT_SETTLE_MS = 100;

/**
 * Names that are never taken: dot files (hidden, and the part files of downloads) and
 * the usual names of a file still being written or a lock (`~$` Office locks, `*.part`,
 * `*.tmp`). Upload's own ignore list is the plugin's, out of the core's reach.
 */
export function ignoredName(name: string): boolean {
  return name.startsWith('.') || name.startsWith('~$') || /\.(part|tmp)$/i.test(name);
}

export const localTrigger: TriggerType<LocalTriggerOptions, undefined> = {
  name: 'local',
  usesConnection: false,
  schema: {
    title: 'Local folder arrivals',
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    description:
      'Runs the job when files arrive in a local folder, each once its size and modification time have stopped changing.',
    properties: {
      path: {
        title: 'Local folder',
        type: 'string',
        minLength: 1,
        description: "The folder to watch; relative paths are relative to config.yaml's folder.",
      },
      recursive: {
        title: 'Include subfolders',
        type: 'boolean',
        default: false,
        description: 'Also take files in folders below it.',
      },
      stableFor: {
        title: 'Stable for',
        type: 'string',
        pattern: '^[0-9]+(ms|s|m|h|d)$',
        default: DEFAULT_STABLE_FOR,
        errorMessage: 'must be a duration such as 500ms, 5s or 2m',
        description:
          'A file is taken once its size and modification time have not changed for this long, so one still being written is never taken.',
      },
    },
  },
  itemKey: (item) => (item as LocalFileItem).path,
  async watch(o, ctx) {
    const root = isAbsolute(o.path) ? resolve(o.path) : resolve(ctx.baseDir, o.path);
    const stableForMs = parseDuration(o.stableFor ?? DEFAULT_STABLE_FOR)!;
    await watchFolder(root, o.recursive ?? false, stableForMs, ctx);
  },
};

async function watchFolder(root: string, recursive: boolean, stableForMs: number, ctx: TriggerContext<undefined>) {
  const { signal } = ctx;
  const tracker = new StabilityTracker(stableForMs);
  const hints = new Set<string>();
  let rescan = true;
  let wake: (() => void) | undefined;
  await checkFolder(root);
  let watcher: FSWatcher | undefined;
  try {
    watcher = fsWatch(root, { recursive, signal }, (_event, name) => {
      // No name, or too many to keep: look at everything instead.
      if (name === null || hints.size >= MAX_HINTS) {
        rescan = true;
        hints.clear();
      } else hints.add(name.split(sep).join('/'));
      wake?.();
    });
    watcher.on('error', (err) => {
      ctx.log.warn(`fs.watch on ${root} failed (${err.message}); looking every ${RESCAN_MS / 1000} s only`);
      watcher?.close();
    });
  } catch (err) {
    ctx.log.warn(
      `fs.watch on ${root} is not available (${(err as Error).message}); looking every ${RESCAN_MS / 1000} s only`,
    );
  }

  /** One look at `rel`, named by fs.watch or waiting for its confirming look. */
  const look = async (rel: string) => {
    if (rel.split('/').some(ignoredName) || (!recursive && rel.includes('/'))) return;
    const abs = join(root, ...rel.split('/'));
    const st = await lstat(abs).catch(() => undefined);
    if (!st) return tracker.gone(rel);
    if (st.isDirectory()) {
      // No file (any more) by that name. A new folder's files are found by looking at everything.
      tracker.gone(rel);
      if (recursive) rescan = true;
      return;
    }
    const file = await fileState(abs, st.isSymbolicLink());
    if (file) tracker.observe(rel, file, Date.now());
    else tracker.gone(rel);
  };

  let nextScan = 0;
  try {
    while (!signal.aborted) {
      if (rescan || Date.now() >= nextScan) {
        rescan = false;
        hints.clear();
        await scanAll(root, recursive, tracker, signal);
        nextScan = Date.now() + RESCAN_MS;
      } else {
        const named = [...hints];
        hints.clear();
        for (const rel of new Set([...named, ...tracker.due(Date.now())])) await look(rel);
      }
      report(root, tracker.takeStable(), ctx);
      // Hints that came during the look need no wait; otherwise wait for one, a due file or the next full look.
      if (!hints.size && !rescan) {
        const hint = new AbortController();
        wake = () => hint.abort();
        const next = Math.min(nextScan, tracker.nextDue() ?? Infinity);
        await sleep(Math.max(0, next - Date.now()), { signal: AbortSignal.any([signal, hint.signal]) }).catch(() => {});
        wake = undefined;
      }
      // A burst of writes to one file is one look.
      if (hints.size || rescan) await sleep(HINT_SETTLE_MS, { signal }).catch(() => {});
    }
  } finally {
    watcher?.close();
  }
}

/** A missing folder is an error the trigger's restart (src/scheduler/triggers.ts) retries. */
async function checkFolder(root: string): Promise<void> {
  const st = await stat(root).catch(() => undefined);
  if (!st) throw new Error(`the local folder ${root} does not exist`);
  if (!st.isDirectory()) throw new Error(`${root} is not a folder`);
}

/** Looks at every file under `root`; forgets those gone. */
async function scanAll(root: string, recursive: boolean, tracker: StabilityTracker, signal: AbortSignal) {
  await checkFolder(root);
  const present = new Set<string>();
  const folders = [''];
  for (let rel = folders.pop(); rel !== undefined; rel = folders.pop()) {
    const dir = rel ? join(root, ...rel.split('/')) : root;
    // A sub folder removed during the look is simply not there.
    const entries = await readdir(dir, { withFileTypes: true }).catch((err) => {
      if (rel === '') throw err;
      return [];
    });
    for (const d of entries) {
      signal.throwIfAborted();
      if (ignoredName(d.name)) continue;
      const r = rel ? `${rel}/${d.name}` : d.name;
      // Links to folders are not followed (loops, escaping the tree); a link to a file is that file.
      if (d.isDirectory()) {
        if (recursive) folders.push(r);
        continue;
      }
      if (!d.isFile() && !d.isSymbolicLink()) continue;
      const file = await fileState(join(dir, d.name), d.isSymbolicLink());
      if (!file) continue;
      tracker.observe(r, file, Date.now());
      present.add(r);
    }
  }
  tracker.keepOnly(present);
}

async function fileState(abs: string, link: boolean): Promise<FileState | undefined> {
  const st = await (link ? stat(abs) : lstat(abs)).catch(() => undefined);
  return st?.isFile() ? { size: st.size, mtimeMs: st.mtimeMs } : undefined;
}

function report(root: string, stable: Array<[string, FileState]>, ctx: TriggerContext<undefined>): void {
  if (!stable.length) return;
  const items = stable.map(([rel, s]): LocalFileItem => ({
    path: join(root, ...rel.split('/')),
    relative: rel,
    size: s.size,
    modified: new Date(s.mtimeMs).toISOString(),
  }));
  const output: LocalFilesOutput = { kind: LOCAL_FILES, root, items };
  ctx.onChange(output);
}
