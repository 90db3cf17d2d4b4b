// The one guard every task that removes things goes through: a run that would remove
// more than `maxDelete` entries, or (where the task knows the size of its target) more
// than `maxDeleteShare` percent of it, removes nothing and fails. A dry run shows the
// list and warns instead, so the user sees what a real run would refuse.
import { pluginError } from '../error-codes.ts';
import type { ResultBuilder } from './result.ts';

export interface DeleteGuard {
  maxDelete: number;
  /** Percent of the target's entries; undefined where the task has no target size (delete). */
  maxDeleteShare?: number;
}

/** Throws DBX_DELETE_GUARD (a dry run warns in `r` instead) when removing `count` of `total` entries trips the guard. */
export function checkDeleteGuard(
  count: number,
  total: number,
  guard: DeleteGuard,
  dryRun: boolean,
  r: ResultBuilder,
): void {
  let msg: string | undefined;
  if (count > guard.maxDelete) {
    msg = `would delete ${count} entries, more than maxDelete (${guard.maxDelete}); nothing was deleted. Raise maxDelete if this is intended`;
  } else if (guard.maxDeleteShare !== undefined && count > 0 && count * 100 > total * guard.maxDeleteShare) {
    msg = `would delete ${count} of the ${total} entries at the target (${Math.round((count * 100) / total)}%), more than maxDeleteShare (${guard.maxDeleteShare}%); nothing was deleted. Is the source empty or the wrong folder? Raise maxDeleteShare if this is intended`;
  }
  if (msg === undefined) return;
  if (!dryRun) throw pluginError('DBX_DELETE_GUARD', msg);
  r.warn(`a real run would stop here: ${msg}`);
}
