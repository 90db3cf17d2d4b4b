// What both stores' definitions share: which file names a definition may have (a daemon
// writes them into its folders, so a name is never a path), and the refusal of a stale
// compare-and-set.
import { createHash } from 'node:crypto';
import type { DefinitionChange, DefinitionKind } from './store.ts';

export const DEFINITION_KINDS: readonly DefinitionKind[] = ['connections', 'jobs'];

/** A YAML file the loader reads (no leading dot), and one path segment. */
const FILE_NAME = /^[^./\\\0][^/\\\0]{0,250}\.ya?ml$/;

export function isDefinitionName(name: string): boolean {
  return FILE_NAME.test(name);
}

export function checkDefinition(d: { kind: string; name: string }): void {
  if (!DEFINITION_KINDS.includes(d.kind as DefinitionKind))
    throw new Error(`'${d.kind}' is not a kind of definition (connections or jobs)`);
  if (!isDefinitionName(d.name)) throw new Error(`'${d.name}' is not a definition file name (NAME.yaml)`);
}

/** `jobs/nightly.yaml`: one definition's key, and how messages name it. */
export const definitionKey = (d: { kind: DefinitionKind; name: string }) => `${d.kind}/${d.name}`;

/** A version for stores that keep no counter: the text's hash. */
export function textVersion(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** A compare-and-set was based on a version that is no longer current: nothing was written. */
export class StaleDefinitionError extends Error {
  override name = 'StaleDefinitionError';
  /** What the admin API answers, as for a stale ETag. */
  readonly statusCode = 409;
  constructor(readonly keys: string[]) {
    super(
      `${keys.join(', ')} changed since this change was based on it (in another daemon's admin UI or files, or by dropcron apply); reload to see the current version, then make your change again`,
    );
  }
}

/**
 * Throws StaleDefinitionError when a change's base is not the current version (`current`:
 * the live definitions by key). A change to what is already there is not stale, whatever
 * its base: daemons sharing one folder all publish the same hand edit, and the first wins.
 */
export function refuseStale(
  changes: DefinitionChange[],
  current: ReadonlyMap<string, { version: string; text: string | null }>,
): void {
  const stale = changes.filter((c) => {
    const now = current.get(definitionKey(c));
    if (c.base === undefined || (now?.version ?? null) === c.base) return false;
    return c.text === undefined ? now !== undefined : now?.text !== c.text;
  });
  if (stale.length) throw new StaleDefinitionError(stale.map(definitionKey));
}
