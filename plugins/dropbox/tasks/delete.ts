// delete: removes matches inside a Dropbox folder (to the trash, restorable), with
// retention (olderThan / keepLast) and a maxDelete guard. The plan is made from one
// complete listing; the connector throws on a partial one and that error ends the
// task, so a failed listing can never look like "nothing to keep".
import { pluginError } from '../error-codes.ts';
import type { TaskType } from '../../../src/plugin.ts';
import type { DropboxClient } from '../api/types.ts';
import { checkDeleteGuard } from './delete-guard.ts';
import { deleteListed } from './delete-listed.ts';
import { expand, placeholderProblems, varsOf } from './common.ts';
import { compileFilter, filterProblems, parseWhen, sortAndLimit, type FilterOptions } from './filters.ts';
import {
  listCandidates,
  previousCandidates,
  type DateField,
  type EntryType,
  type RemoteCandidate,
} from './remote-entries.ts';
import { ResultBuilder } from './result.ts';
import { normalizeRemote, remoteOrThrow } from './remote-paths.ts';
import { selectForDeletion } from './retention.ts';
import { deleteSchema } from './task-schemas.ts';

export interface DeleteOptions extends FilterOptions {
  path: string;
  type: EntryType;
  dateField: DateField;
  keepLast?: number;
  maxDelete: number;
}

export const deleteTask: TaskType<DeleteOptions, DropboxClient> = {
  name: 'delete',
  schema: deleteSchema,
  check(o) {
    const out = filterProblems(o);
    if (o.path !== undefined && o.path !== 'previous') {
      const n = normalizeRemote(o.path);
      if ('problem' in n) out.push(['path', n.problem]);
      else if (n.path === '')
        out.push(['path', "refuses the root of the connection ('/'): name the folder whose contents may be deleted"]);
      else out.push(...placeholderProblems('path', o.path));
    }
    return out;
  },
  async run(o, ctx) {
    const r = new ResultBuilder(ctx.connection);
    const vars = varsOf(ctx);
    const { maxDelete, dateField } = o;
    // olderThan is a retention rule here (keepLast ranks all matches, old or not).
    const filterOpts = { ...o, olderThan: undefined, sort: undefined, limit: undefined };

    const unsafe = (path: string, why: string) => {
      r.warn(`skipped ${JSON.stringify(path)}: ${why}`);
      r.count('unsafe');
    };
    let matches: RemoteCandidate[];
    if (o.path === 'previous') {
      matches = previousCandidates(ctx.input, {
        option: 'path',
        type: o.type,
        dateField,
        filter: compileFilter({ ...filterOpts, recursive: true }, vars.now, vars.timezone),
        onUnsafe: unsafe,
      });
    } else {
      const folder = remoteOrThrow(expand(o.path, ctx));
      if (folder === '') throw pluginError('DBX_TASK_INPUT', "delete refuses the root of the connection ('/')");
      matches = await listCandidates(ctx.connection, {
        folder,
        type: o.type,
        recursive: o.recursive === true,
        dateField,
        // Folder dates cost a recursive listing: only when a rule needs them.
        needFolderDates: !!(o.olderThan || o.newerThan || o.keepLast !== undefined || o.sort?.by === 'modified'),
        filter: compileFilter(filterOpts, vars.now, vars.timezone),
        signal: ctx.signal,
        onMissing: (folder) => r.warn(`${folder} does not exist: nothing to delete`),
        onUnsafe: unsafe,
      });
    }

    const olderThan = o.olderThan !== undefined ? parseWhen(o.olderThan, vars.now, vars.timezone) : undefined;
    const { remove: selected, keep } = selectForDeletion(matches, { olderThan, keepLast: o.keepLast });
    for (const k of keep) r.act('keep', k.item.path, k.reason);
    let remove = o.sort || o.limit !== undefined ? sortAndLimit(selected, o) : selected;
    // Inside a folder that goes anyway: deleting it separately would fail or double count.
    const folders = remove.filter((c) => c.folder).map((c) => c.path.toLowerCase() + '/');
    remove = remove.filter((c) => !folders.some((f) => c.path.toLowerCase().startsWith(f)));
    remove.sort((a, b) => (a.path < b.path ? -1 : 1));

    const why = (c: RemoteCandidate) =>
      [
        olderThan ? `older than ${o.olderThan}` : 'matches',
        o.keepLast !== undefined ? `not among the ${o.keepLast} newest` : '',
      ]
        .filter(Boolean)
        .join(', ') + (c.modified ? ` (${dateField} ${c.modified.toISOString()})` : '');
    for (const c of remove) r.act('delete', c.path, why(c), c.size);

    checkDeleteGuard(remove.length, matches.length, { maxDelete }, ctx.dryRun, r);
    if (ctx.dryRun) {
      r.count('wouldDelete', remove.length);
      r.count('kept', keep.length);
      return r.finish();
    }
    const items = remove.map((c) => ({ path: c.path, parentRev: c.meta['.tag'] === 'file' ? c.meta.rev : undefined }));
    await deleteListed(ctx.connection, items, r, ctx.signal);
    r.count('kept', keep.length);
    return r.finish();
  },
};
