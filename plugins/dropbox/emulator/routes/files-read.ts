// files/list_folder (+ continue, get_latest_cursor, longpoll) and files/get_metadata.
import { badRequest, routeError, nest, tag } from '../errors.ts';
import { entryMeta, meta, revisionMeta } from '../metadata.ts';
import { PATH_R_OR_ID, READ_PATH, lookup, lookupRev, visibleChildren } from '../paths.ts';
import type { Call, ListCursor, RouteDef } from '../state.ts';
import { fold, type FolderNode, type JournalEntry, type Node } from '../tree.ts';
import { asRouteError, bool, hiddenPrefixes, isHidden, opt, t } from './common.ts';

const TEMPLATE_FILTER = t.union({ filter_some: t.list(t.str()) });

const LIST_FOLDER_ARG = t.struct({
  path: t.str({ pattern: PATH_R_OR_ID }),
  recursive: bool(false),
  include_media_info: bool(false),
  include_deleted: bool(false),
  include_has_explicit_shared_members: bool(false),
  include_mounted_folders: bool(true),
  limit: opt(t.uint({ min: 1, max: 2000 })),
  shared_link: opt(t.struct({ url: t.str(), password: opt(t.str()) })),
  include_property_groups: opt(TEMPLATE_FILTER),
  include_non_downloadable_files: bool(true),
  include_restorable_info: bool(false),
});

/** Dropbox pages at most 2000 entries. */
const DEFAULT_LIMIT = 2000;

export function ownerKey(call: Call): string {
  return `${call.caller.account.id}|${call.caller.app.key}|${call.caller.root.id}`;
}

function listTarget(call: Call): FolderNode {
  const { arg, caller } = call;
  if (arg.path === '/')
    throw badRequest(
      call.route.name,
      'request body: path: Specify the root folder as an empty string rather than as "/".',
    );
  if (arg.shared_link) throw routeError(nest('path', tag('not_found')));
  const node = asRouteError('path', () => lookup(caller, arg.path));
  if (node.kind !== 'folder') throw routeError(nest('path', tag('not_folder')));
  return node;
}

/** Deleted entries under `folder` whose last journal record is a deletion. */
export function deletedUnder(call: Call, folderLower: string, recursive: boolean): JournalEntry[] {
  const last = new Map<string, JournalEntry>();
  for (const e of call.st.tree.journal) {
    if (!e.lower.startsWith(folderLower + '/')) continue;
    if (!recursive && e.lower.slice(folderLower.length + 1).includes('/')) continue;
    last.set(e.lower, e);
  }
  return [...last.values()].filter((e) => e.node === null);
}

function snapshot(call: Call, folder: FolderNode): Array<Node | Record<string, unknown>> {
  const { arg, caller, st } = call;
  const items: Array<Node | Record<string, unknown>> = [];
  const walk = (dir: FolderNode) => {
    for (const c of visibleChildren(caller, dir)) {
      if (!arg.include_mounted_folders && c.kind === 'folder' && c.nsId) continue;
      items.push(c);
      if (arg.recursive && c.kind === 'folder') walk(c);
    }
  };
  if (arg.recursive && folder !== caller.root) items.push(folder);
  walk(folder);
  if (arg.include_deleted) {
    const rootDisplay = st.tree.displayPath(caller.root);
    for (const e of deletedUnder(call, fold(st.tree.displayPath(folder)), arg.recursive))
      items.push(entryMeta(caller, e, rootDisplay));
  }
  return items;
}

export function render(call: Call, item: Node | Record<string, unknown>): Record<string, unknown> {
  // Nodes render as they are now; deleted entries are already metadata.
  return 'kind' in item ? meta(call.caller, item as Node) : item;
}

/** Cursors kept; older ones answer `reset`, as an expired cursor does at Dropbox. */
const MAX_CURSORS = 10_000;

function saveCursor(call: Call, c: ListCursor): string {
  const id = call.st.newId(CURSOR_PREFIX);
  const cursors = call.st.cursors;
  cursors.set(id, c);
  if (cursors.size > MAX_CURSORS) cursors.delete(cursors.keys().next().value!);
  return id;
}

const CURSOR_PREFIX = 'AAE';

function page(call: Call, c: ListCursor): { entries: unknown[]; cursor: string; has_more: boolean } {
  const snap = c.snapshot!;
  const end = Math.min(snap.index + c.limit, snap.items.length);
  const entries = snap.items.slice(snap.index, end).map((i) => render(call, i));
  const hasMore = end < snap.items.length;
  const next: ListCursor = { ...c, snapshot: hasMore ? { items: snap.items, index: end } : undefined };
  return { entries, cursor: saveCursor(call, next), has_more: hasMore };
}

function changes(call: Call, c: ListCursor): { entries: unknown[]; cursor: string; has_more: boolean } {
  const { st, caller } = call;
  if (!st.tree.isUnder(c.folder, st.tree.root) || !c.folder.parent) throw routeError(nest('path', tag('not_found')));
  const folderLower = fold(c.folderDisplay);
  const hidden = hiddenPrefixes(call);
  const latest = new Map<string, JournalEntry>();
  const first = c.seq - st.tree.journalStart;
  if (first < 0) throw routeError(tag('reset'));
  for (let i = first; i < st.tree.journal.length; i++) {
    const e = st.tree.journal[i]!;
    if (!e.lower.startsWith(folderLower + '/')) continue;
    if (!c.recursive && e.lower.slice(folderLower.length + 1).includes('/')) continue;
    if (isHidden(e.lower, hidden)) continue;
    latest.delete(e.lower);
    latest.set(e.lower, e);
  }
  const all = [...latest.values()];
  const taken = all.slice(0, c.limit);
  const hasMore = all.length > taken.length;
  const seq = hasMore ? taken[taken.length - 1]!.seq : st.tree.seq;
  const rootDisplay = st.tree.displayPath(caller.root);
  const rootLower = fold(rootDisplay);
  const entries = taken.map((e) =>
    e.lower.startsWith(rootLower + '/')
      ? entryMeta(caller, e, rootDisplay)
      : { ...entryMeta(caller, e, e.display), path_lower: undefined, path_display: undefined },
  );
  return {
    entries: entries.map((e) => JSON.parse(JSON.stringify(e))),
    cursor: saveCursor(call, { ...c, seq, snapshot: undefined }),
    has_more: hasMore,
  };
}

/** Whether the journal has entries for the cursor's folder after its position. */
function changedSince(call: Call, c: ListCursor): boolean {
  const folderLower = fold(c.folderDisplay);
  const first = c.seq - call.st.tree.journalStart;
  if (first < 0) return true; // continue will answer reset
  for (let i = first; i < call.st.tree.journal.length; i++) {
    const e = call.st.tree.journal[i]!;
    if (!e.lower.startsWith(folderLower + '/')) continue;
    if (!c.recursive && e.lower.slice(folderLower.length + 1).includes('/')) continue;
    return true;
  }
  return false;
}

function isOurCursor(cursor: string): boolean {
  return cursor.startsWith(CURSOR_PREFIX) && cursor.length > 20;
}

function takeCursor(call: Call, cursor: string): ListCursor {
  const c = call.st.cursors.get(cursor);
  // One of ours that is gone has expired; anything else was never a cursor.
  if (!c && isOurCursor(cursor)) throw routeError(tag('reset'));
  if (!c || c.owner !== ownerKey(call)) throw badRequest(call.route.name, `Invalid "cursor" parameter: '${cursor}'`);
  if (c.epoch !== call.st.cursorEpoch) throw routeError(tag('reset'));
  return c;
}

/** A cursor at the current state of the folder a list_folder-style argument names. */
function newCursor(call: Call): ListCursor {
  const folder = listTarget(call);
  return {
    epoch: call.st.cursorEpoch,
    owner: ownerKey(call),
    folder,
    folderDisplay: call.st.tree.displayPath(folder),
    recursive: call.arg.recursive,
    limit: call.arg.limit ?? DEFAULT_LIMIT,
    seq: call.st.tree.seq,
  };
}

export const readRoutes: RouteDef[] = [
  {
    name: 'files/list_folder',
    style: 'rpc',
    auth: 'user',
    scope: 'files.metadata.read',
    arg: LIST_FOLDER_ARG,
    async handle(call) {
      const c = newCursor(call);
      c.snapshot = { items: snapshot(call, c.folder), index: 0 };
      return page(call, c);
    },
  },
  {
    name: 'files/list_folder/continue',
    style: 'rpc',
    auth: 'user',
    scope: 'files.metadata.read',
    arg: t.struct({ cursor: t.str({ min: 1 }) }),
    async handle(call) {
      const c = takeCursor(call, call.arg.cursor);
      return c.snapshot ? page(call, c) : changes(call, c);
    },
  },
  {
    // notify.dropboxapi.com: no Authorization; the cursor is the credential.
    name: 'files/list_folder/longpoll',
    style: 'rpc',
    auth: 'none',
    arg: t.struct({ cursor: t.str({ min: 1 }), timeout: { ty: t.uint({ min: 30, max: 480 }), default: 30 } }),
    async handle(call) {
      const c = call.st.cursors.get(call.arg.cursor);
      // As continue does: one of ours that is gone (the sandbox restarted) has expired.
      if (!c && isOurCursor(call.arg.cursor)) throw routeError(tag('reset'));
      if (!c) throw badRequest(call.route.name, `Invalid "cursor" parameter: '${call.arg.cursor}'`);
      if (c.epoch !== call.st.cursorEpoch) throw routeError(tag('reset'));
      if (changedSince(call, c)) return { changes: true };
      const tree = call.st.tree;
      const changes = await new Promise<boolean>((resolve) => {
        const finish = (v: boolean) => {
          clearTimeout(timer);
          tree.watchers.delete(watch);
          call.res.off('close', gone);
          resolve(v);
        };
        const watch = () => {
          if (changedSince(call, c)) finish(true);
        };
        const gone = () => finish(false);
        const timer = setTimeout(() => finish(false), call.arg.timeout * 1000);
        tree.watchers.add(watch);
        call.res.on('close', gone);
      });
      return { changes };
    },
  },
  {
    name: 'files/list_folder/get_latest_cursor',
    style: 'rpc',
    auth: 'user',
    scope: 'files.metadata.read',
    arg: LIST_FOLDER_ARG,
    async handle(call) {
      return { cursor: saveCursor(call, newCursor(call)) };
    },
  },
  {
    name: 'files/get_metadata',
    style: 'rpc',
    auth: 'user',
    scope: 'files.metadata.read',
    arg: t.struct({
      path: t.str({ pattern: READ_PATH }),
      include_media_info: bool(false),
      include_deleted: bool(false),
      include_has_explicit_shared_members: bool(false),
      include_property_groups: opt(TEMPLATE_FILTER),
    }),
    async handle(call) {
      const { arg, caller, st } = call;
      if (arg.path === '/') throw badRequest(call.route.name, 'request body: path: The root folder is unsupported.');
      if (arg.path.startsWith('rev:')) {
        return revisionMeta(
          caller,
          asRouteError('path', () => lookupRev(caller, arg.path.slice(4))),
          true,
        );
      }
      try {
        return meta(caller, lookup(caller, arg.path));
      } catch (err) {
        if (arg.include_deleted && arg.path.startsWith('/')) {
          const rootDisplay = st.tree.displayPath(caller.root);
          const lower = fold(rootDisplay + arg.path);
          const last = [...st.tree.journal].reverse().find((e) => e.lower === lower);
          if (last && last.node === null) return entryMeta(caller, last, rootDisplay);
        }
        return asRouteError('path', () => {
          throw err;
        });
      }
    },
  },
];
