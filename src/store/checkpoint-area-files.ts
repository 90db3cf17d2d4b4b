// Checkpoint areas of the file store: one directory per namespace in the state
// directory (<state>/<namespace>/), one file per key (<key>.json), each written
// atomically, so the layout is what the Dropbox plugin wrote before the store had areas.
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import type { Dirent } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.ts';
import { isSafeName, safeName } from './history.ts';
import type { CheckpointArea } from './store.ts';

/** A temp file of writeFileAtomic older than this was left by a killed write, not one in flight. */
const ABANDONED_TEMP_MS = 10 * 60 * 1000;
const SUFFIX = '.json';

export function fileCheckpointArea(state: string, namespace: string): CheckpointArea {
  const dir = join(state, safeName(namespace, 'checkpoint namespace'));
  const file = (key: string) => join(dir, safeName(key, 'checkpoint key') + SUFFIX);
  const read = (path: string) => readFile(path, 'utf8').catch(() => undefined);
  // async: a bad key rejects like any other failure of the area, never throws.
  return {
    get: async (key) => read(file(key)),
    put: async (key, value) => writeFileAtomic(file(key), value),
    delete: async (key) =>
      unlink(file(key)).then(
        () => true,
        () => false,
      ),
    /** Also removes the temp files of writes a kill cut short, which no key names. */
    async list() {
      const out: Array<{ key: string; value: string }> = [];
      const now = Date.now();
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        const path = join(dir, name);
        if (name.endsWith('.tmp')) {
          const st = await stat(path).catch(() => undefined);
          if (st && now - st.mtimeMs > ABANDONED_TEMP_MS) await unlink(path).catch(() => {});
        } else if (name.endsWith(SUFFIX) && isSafeName(name.slice(0, -SUFFIX.length))) {
          const value = await read(path);
          if (value !== undefined) out.push({ key: name.slice(0, -SUFFIX.length), value });
        }
      }
      return out;
    },
  };
}

/** Directories of the state directory that are the file store's own, not checkpoint areas. */
const STORE_DIRS = new Set(['history', 'vault', 'running', 'locks']);

/** The checkpoint areas a state directory holds: every other directory with a valid name. */
export async function fileCheckpointNamespaces(state: string): Promise<string[]> {
  const entries = await readdir(state, { withFileTypes: true }).catch(() => [] as Dirent[]);
  return entries.filter((e) => e.isDirectory() && !STORE_DIRS.has(e.name) && isSafeName(e.name)).map((e) => e.name);
}
