// files/list_revisions and files/restore, over the versions the tree keeps (the last few
// per file, also after the file is deleted).
import { checkWritable, lockNamespace, target } from '../commit.ts';
import { LookupFailure, WriteFailure, nest, routeError, tag } from '../errors.ts';
import { fileMeta, revisionMeta } from '../metadata.ts';
import { REV, WRITE_PATH, createMissing, lookup, lookupRev } from '../paths.ts';
import type { Call, RouteDef } from '../state.ts';
import { fold, nowStamp, type DeletedFile, type FileNode, type Revision } from '../tree.ts';
import { bool, opt, t } from './common.ts';

const PATH_OR_ID = '/(.|[\\r\\n])*|id:.*|(ns:[0-9]+(/(.|[\\r\\n])*)?)';

/** What a list_revisions path names: the live file, or the one last deleted there. */
interface RevisionsTarget {
  live?: FileNode;
  deleted?: DeletedFile;
  /** Global lower path (path mode), or the file id (id mode). */
  lower: string;
  id: string;
}

function revisionsTarget(call: Call): RevisionsTarget {
  const { caller, st, arg } = call;
  let node;
  try {
    node = lookup(caller, arg.path);
  } catch (err) {
    if (!(err instanceof LookupFailure)) throw err;
    const gone = deletedTarget(call, arg.path);
    if (!gone) throw routeError(nest('path', err.error));
    return { deleted: gone, lower: gone.lower, id: gone.id };
  }
  if (node.kind !== 'file') throw routeError(nest('path', tag('not_file')));
  return { live: node, lower: fold(st.tree.displayPath(node)), id: node.id };
}

/** A deleted file named by path (under the caller's root) or by id, if its versions are kept. */
function deletedTarget(call: Call, path: string): DeletedFile | undefined {
  const { caller, st } = call;
  let d: DeletedFile | undefined;
  if (path.startsWith('id:')) d = st.tree.deletedFiles.get(path);
  else if (path.startsWith('/')) d = st.tree.deletedAt(fold(st.tree.displayPath(caller.root) + path));
  if (!d) return undefined;
  // Only versions the caller could read by rev: count.
  const newest = st.tree.revisionsOf(d.id)[0];
  if (!newest) return undefined;
  try {
    lookupRev(caller, newest.rev);
  } catch {
    return undefined;
  }
  return d;
}

function listRevisions(call: Call): Record<string, unknown> {
  const { arg, caller, st } = call;
  const byId = arg.mode.tag === 'id';
  if (byId && arg.before_rev !== undefined) throw routeError(tag('before_rev_not_supported'));
  const tg = revisionsTarget(call);
  let revs: Revision[];
  if (byId) revs = st.tree.revisionsOf(tg.id);
  else {
    revs = st.tree.revisionsAt(tg.lower);
    // A file moved here has no version written here yet: its current one stands for it.
    if (tg.live && !revs.some((r) => r.rev === tg.live!.rev)) {
      const current = st.tree.revisions.get(tg.live.rev);
      if (current) revs = [current, ...revs];
    }
  }
  if (arg.before_rev !== undefined) {
    const i = revs.findIndex((r) => r.rev === arg.before_rev);
    if (i < 0) throw routeError(tag('invalid_before_rev'));
    revs = revs.slice(i + 1);
  }
  const page = revs.slice(0, arg.limit);
  const entries = page.map((r) => ({
    ...revisionMeta(caller, r, false),
    ...(arg.include_restorable_info ? { is_restorable: true } : {}),
  }));
  const deleted = !tg.live;
  return {
    is_deleted: deleted,
    ...(deleted && tg.deleted ? { server_deleted: nowStamp(tg.deleted.at) } : {}),
    entries,
    has_more: revs.length > page.length,
  };
}

function restore(call: Call): Record<string, unknown> {
  const { arg, caller, st } = call;
  let version: Revision;
  try {
    version = lookupRev(caller, arg.rev);
  } catch {
    throw routeError(tag('invalid_revision'));
  }
  let node: FileNode;
  try {
    const tg = target(caller, arg.path);
    checkWritable(st, tg.parent);
    if (tg.existing?.kind === 'folder') throw new WriteFailure(nest('conflict', tag('folder')));
    const replaced = tg.existing?.kind === 'file' ? tg.existing.blob.size : 0;
    const space = tg.parent.space;
    if (space.used - replaced + version.blob.size > st.quotaOf(space))
      throw new WriteFailure(tag('insufficient_space'));
    const parent = createMissing(caller, tg);
    // A restore is a new version with the old bytes; the file keeps its name's case.
    node = st.tree.putFile(parent, tg.existing?.name ?? tg.name, {
      blob: version.blob,
      clientModified: version.clientModified,
      serverModified: nowStamp(),
    });
  } catch (err) {
    if (err instanceof WriteFailure) throw routeError(nest('path_write', err.error));
    throw err;
  }
  return fileMeta(caller, node, false);
}

export const revisionRoutes: RouteDef[] = [
  {
    name: 'files/list_revisions',
    style: 'rpc',
    auth: 'user',
    scope: 'files.metadata.read',
    arg: t.struct({
      path: t.str({ pattern: PATH_OR_ID }),
      mode: { ty: t.union({ path: null, id: null }), default: { tag: 'path' } },
      limit: { ty: t.uint({ min: 1, max: 100 }), default: 10 },
      before_rev: opt(t.str({ pattern: REV, min: 9 })),
      include_restorable_info: bool(false),
    }),
    async handle(call) {
      return listRevisions(call);
    },
  },
  {
    name: 'files/restore',
    style: 'rpc',
    auth: 'user',
    scope: 'files.content.write',
    arg: t.struct({ path: t.str({ pattern: WRITE_PATH }), rev: t.str({ pattern: REV, min: 9 }) }),
    async handle(call) {
      const { st, caller, arg, route } = call;
      const release = st.lock(lockNamespace(st, caller, arg.path), route.name);
      try {
        return restore(call);
      } finally {
        release();
      }
    },
  },
];
