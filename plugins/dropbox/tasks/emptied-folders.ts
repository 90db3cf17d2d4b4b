// Folders a sync empties: once its extraneous files are removed, a folder whose every
// entry was extraneous (files, and folders emptied in turn) would be left behind empty,
// a folder the source does not have. rclone's sync removes those too. A folder that
// holds anything else (a file the filters leave out, one the source has) stays.

/** The folder part of a relative path ('' for the top). */
function parentOf(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

/**
 * Folders below the top (relative paths, deepest first) left empty once `removed` go.
 * `childrenOf(folder)` gives the relative paths of what is in a folder now, in the same
 * key form as `removed`; `sent` are the source's files, which are (or, in a dry run,
 * would be) at the target too: a folder holding one of them stays.
 */
export async function emptiedFolders(
  removed: readonly string[],
  sent: Iterable<string>,
  childrenOf: (folder: string) => readonly string[] | Promise<readonly string[]>,
): Promise<string[]> {
  const gone = new Set(removed);
  const holding = new Set<string>();
  for (const p of sent) for (let d = parentOf(p); d !== '' && !holding.has(d); d = parentOf(d)) holding.add(d);
  const folders = new Set<string>();
  for (const p of removed) for (let d = parentOf(p); d !== '' && !folders.has(d); d = parentOf(d)) folders.add(d);
  const depth = (p: string) => p.split('/').length;
  const deepestFirst = [...folders].sort((a, b) => depth(b) - depth(a) || (a < b ? -1 : 1));
  const out: string[] = [];
  for (const f of deepestFirst) {
    if (!holding.has(f) && (await childrenOf(f)).every((c) => gone.has(c))) {
      gone.add(f);
      out.push(f);
    }
  }
  return out;
}

/** The emptied folders to remove themselves: the others go with the one they are in. */
export function outermost(emptied: readonly string[]): string[] {
  const set = new Set(emptied);
  return emptied.filter((f) => !set.has(parentOf(f)));
}
