// upload's sources when a `local` trigger started the run: exactly the files it saw
// arrive, each under the `from` folder it lies in, named as a walk of that folder would
// name it (so `to` gets the same layout either way). Each is looked at again: it may
// have changed or gone since it was reported.
import { stat } from 'node:fs/promises';
import { isAbsolute, relative, sep } from 'node:path';
import type { LocalFileItem } from '../../../src/plugin.ts';
import { isPartFile } from '../api/part-files.ts';
import type { LocalFile, WalkOptions } from './local-paths.ts';

/** `root`'s path to `abs` ('/'-separated), or undefined when `abs` is not inside it. */
function inside(root: string, abs: string): string | undefined {
  const rel = relative(root, abs);
  if (!rel || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return undefined;
  return rel.split(sep).join('/');
}

/** The arrived files under `root`, in name order; those in a folder the walk would not enter are left out. */
export async function* arrivedUnder(
  root: string,
  items: LocalFileItem[],
  opts: WalkOptions,
): AsyncGenerator<LocalFile> {
  const byRel = new Map<string, LocalFileItem>();
  for (const item of items) {
    const rel = inside(root, item.path);
    if (rel !== undefined) byRel.set(rel, item);
  }
  for (const rel of [...byRel.keys()].sort()) {
    opts.signal?.throwIfAborted();
    const parts = rel.split('/');
    if (parts.some(isPartFile)) continue;
    if (parts.slice(1).some((_, i) => !opts.descend(parts.slice(0, i + 1).join('/')))) continue;
    const abs = byRel.get(rel)!.path;
    const st = await stat(abs).catch(() => undefined);
    if (!st?.isFile()) {
      opts.warn(`skipped ${abs}: it arrived but is no longer there`);
      continue;
    }
    yield { abs, relPath: rel, folder: false, size: st.size, modified: st.mtime };
  }
}

/** The arrived files under none of `roots`: upload leaves them alone. */
export function outsideAll(roots: string[], items: LocalFileItem[]): LocalFileItem[] {
  return items.filter((item) => roots.every((root) => inside(root, item.path) === undefined));
}
