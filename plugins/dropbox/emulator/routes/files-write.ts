// files/create_folder_v2 (+ batch and check), files/delete_v2 (+ batch and check),
// files/copy_v2, files/move_v2.
import { ApiError, LookupFailure, WriteFailure, nest, routeError, tag, type Tagged } from '../errors.ts';
import { checkWritable, freeName, lockNamespace, target } from '../commit.ts';
import { folderMeta, meta } from '../metadata.ts';
import { WRITE_PATH, WRITE_PATH_OR_ID, REV, createMissing, lookup } from '../paths.ts';
import type { Call, RouteDef } from '../state.ts';
import type { Node } from '../tree.ts';
import { bool, jobCheckRoute, opt, t } from './common.ts';

/** Folder operations refuse subtrees above this many entries. */
const MAX_ITEMS = 10_000;

function createFolder(call: Call, path: string, autorename: boolean) {
  const { st, caller } = call;
  const tg = target(caller, path);
  let name = tg.name;
  if (tg.existing) {
    if (!autorename) throw new WriteFailure(nest('conflict', tag(tg.existing.kind === 'file' ? 'file' : 'folder')));
    name = freeName(tg.parent, name);
  }
  checkWritable(st, tg.parent);
  const parent = createMissing(caller, tg);
  return folderMeta(caller, st.tree.mkdir(parent, name), false);
}

/** Namespace roots (member folders, team folders) cannot be deleted or moved by path. */
function checkRemovable(call: Call, node: Node): void {
  if (node === call.caller.root || !node.parent || (node.kind === 'folder' && node.nsId)) {
    throw new WriteFailure(tag(node.kind === 'folder' && node.shared ? 'team_folder' : 'no_write_permission'));
  }
}

function deleteOne(call: Call, path: string, parentRev?: string): Record<string, unknown> {
  const { st, caller } = call;
  let node: Node;
  try {
    node = lookup(caller, path);
  } catch (err) {
    if (err instanceof LookupFailure) throw routeError(nest('path_lookup', err.error));
    throw err;
  }
  try {
    checkRemovable(call, node);
    if (parentRev !== undefined && (node.kind !== 'file' || node.rev !== parentRev))
      throw new WriteFailure(nest('conflict', tag('file')));
  } catch (err) {
    if (err instanceof WriteFailure) throw routeError(nest('path_write', err.error));
    throw err;
  }
  if (st.tree.countFiles(node) > MAX_ITEMS) throw routeError(tag('too_many_files'));
  const m = meta(caller, node);
  st.tree.remove(node);
  return m;
}

/** Whether `path` would land inside a shared (team) folder: moving one there would nest it. */
function intoShared(call: Call, path: string): boolean {
  try {
    const parent = target(call.caller, path).parent;
    return !!parent.shared || !!call.st.tree.sharedFolderOf(parent);
  } catch {
    return false;
  }
}

export function relocate(call: Call, move: boolean): Record<string, unknown> {
  const { st, caller, arg } = call;
  let src: Node;
  try {
    src = lookup(caller, arg.from_path);
  } catch (err) {
    if (err instanceof LookupFailure) throw routeError(nest('from_lookup', err.error));
    throw err;
  }
  const isShared = src.kind === 'folder' && !!src.shared;
  // Files and plain folders cross namespaces (team folders, member folders) freely; a shared
  // folder itself is refused with files.stone's RelocationError tags.
  if (!move && isShared) throw routeError(tag('cant_copy_shared_folder'));
  if (move) {
    try {
      checkRemovable(call, src);
    } catch (err) {
      if (err instanceof WriteFailure) {
        if (isShared)
          throw routeError(tag(intoShared(call, arg.to_path) ? 'cant_nest_shared_folder' : 'cant_move_shared_folder'));
        throw routeError(nest('from_write', err.error));
      }
      throw err;
    }
  }
  let tg;
  try {
    tg = target(caller, arg.to_path);
    checkWritable(st, tg.parent);
  } catch (err) {
    if (err instanceof WriteFailure) throw routeError(nest('to', err.error));
    throw err;
  }
  if (src.kind === 'folder' && st.tree.isUnder(tg.parent, src)) throw routeError(tag('cant_move_folder_into_itself'));
  let name = tg.name;
  const caseRename = move && tg.existing === src;
  if (tg.existing && !caseRename) {
    if (!arg.autorename)
      throw routeError(nest('to', nest('conflict', tag(tg.existing.kind === 'file' ? 'file' : 'folder'))));
    name = freeName(tg.parent, name);
  }
  if (st.tree.countFiles(src) > MAX_ITEMS) throw routeError(tag('too_many_files'));
  if (!move) {
    let bytes = 0;
    st.tree.forEach(src, (n) => {
      if (n.kind === 'file') bytes += n.blob.size;
    });
    if (tg.parent.space.used + bytes > st.quotaOf(tg.parent.space)) throw routeError(tag('insufficient_quota'));
  }
  const parent = createMissing(caller, tg);
  const node = move ? st.tree.move(src, parent, name) : st.tree.copy(src, parent, name);
  return { metadata: meta(caller, node) };
}

export function failureOf(err: unknown): Tagged {
  if (err instanceof ApiError && err.status === 409) return (err.body as { error: Tagged }).error;
  throw err;
}

export const writeRoutes: RouteDef[] = [
  {
    name: 'files/create_folder_v2',
    style: 'rpc',
    auth: 'user',
    scope: 'files.content.write',
    arg: t.struct({ path: t.str({ pattern: WRITE_PATH }), autorename: bool(false) }),
    async handle(call) {
      const release = call.st.lock(lockNamespace(call.st, call.caller, call.arg.path), call.route.name);
      try {
        return { metadata: createFolder(call, call.arg.path, call.arg.autorename) };
      } catch (err) {
        if (err instanceof WriteFailure) throw routeError(nest('path', err.error));
        throw err;
      } finally {
        release();
      }
    },
  },
  {
    name: 'files/create_folder_batch',
    style: 'rpc',
    auth: 'user',
    scope: 'files.content.write',
    arg: t.struct({
      paths: t.list(t.str({ pattern: WRITE_PATH }), { max: 10_000 }),
      autorename: bool(false),
      force_async: bool(false),
    }),
    async handle(call) {
      const release = call.st.lock(call.st.tree.namespaceOf(call.caller.root), call.route.name);
      let entries: unknown[];
      try {
        entries = (call.arg.paths as string[]).map((p) => {
          try {
            return { '.tag': 'success', metadata: createFolder(call, p, call.arg.autorename) };
          } catch (err) {
            if (err instanceof WriteFailure) return { '.tag': 'failure', failure: nest('path', err.error) };
            throw err;
          }
        });
      } finally {
        release();
      }
      const result = { '.tag': 'complete', entries };
      if (!call.arg.force_async) return result;
      return { '.tag': 'async_job_id', async_job_id: call.st.addJob(result) };
    },
  },
  jobCheckRoute('files/create_folder_batch/check'),
  {
    name: 'files/delete_v2',
    style: 'rpc',
    auth: 'user',
    scope: 'files.content.write',
    arg: t.struct({ path: t.str({ pattern: WRITE_PATH_OR_ID }), parent_rev: opt(t.str({ pattern: REV, min: 9 })) }),
    async handle(call) {
      const release = call.st.lock(lockNamespace(call.st, call.caller, call.arg.path), call.route.name);
      try {
        return { metadata: deleteOne(call, call.arg.path, call.arg.parent_rev) };
      } finally {
        release();
      }
    },
  },
  {
    name: 'files/delete_batch',
    style: 'rpc',
    auth: 'user',
    scope: 'files.content.write',
    arg: t.struct({
      entries: t.list(
        t.struct({ path: t.str({ pattern: WRITE_PATH_OR_ID }), parent_rev: opt(t.str({ pattern: REV, min: 9 })) }),
        { max: 1000 },
      ),
    }),
    async handle(call) {
      const release = call.st.lock(call.st.tree.namespaceOf(call.caller.root), call.route.name);
      let entries: unknown[];
      try {
        entries = (call.arg.entries as Array<{ path: string; parent_rev?: string }>).map((e) => {
          try {
            return { '.tag': 'success', metadata: deleteOne(call, e.path, e.parent_rev) };
          } catch (err) {
            return { '.tag': 'failure', failure: failureOf(err) };
          }
        });
      } finally {
        release();
      }
      return { '.tag': 'async_job_id', async_job_id: call.st.addJob({ '.tag': 'complete', entries }) };
    },
  },
  jobCheckRoute('files/delete_batch/check'),
  ...(['copy', 'move'] as const).map((op): RouteDef => ({
    name: `files/${op}_v2`,
    style: 'rpc',
    auth: 'user',
    scope: 'files.content.write',
    arg: t.struct({
      from_path: t.str({ pattern: WRITE_PATH_OR_ID }),
      to_path: t.str({ pattern: WRITE_PATH_OR_ID }),
      allow_shared_folder: bool(false),
      autorename: bool(false),
      allow_ownership_transfer: bool(false),
    }),
    async handle(call) {
      const release = call.st.lock(lockNamespace(call.st, call.caller, call.arg.to_path), call.route.name);
      try {
        return relocate(call, op === 'move');
      } finally {
        release();
      }
    },
  })),
];
