// Metadata JSON exactly as Dropbox writes it. `tagged` adds ".tag": fields typed as the
// polymorphic Metadata carry it; concrete FileMetadata/FolderMetadata results do not.
import { PAPER_EXPORT, isExportOnly } from './exports.ts';
import { relPaths, type PathScope } from './paths.ts';
import { fold, infoOf, type JournalEntry, type Node, type Revision, type VersionInfo } from './tree.ts';

type Json = Record<string, unknown>;

function pathFields(lower: string | undefined, display: string | undefined): Json {
  return lower === undefined ? {} : { path_lower: lower, path_display: display };
}

/** What a live file's or folder's metadata starts with, in Dropbox's order: where it is, and its id. */
function placedFields(s: PathScope, node: Node, tagged: boolean, parentSharedId: string | undefined): Json {
  const p = relPaths(s, node);
  return {
    ...(tagged ? { '.tag': node.kind } : {}),
    name: node.name,
    ...pathFields(p?.lower, p?.display),
    ...(parentSharedId !== undefined ? { parent_shared_folder_id: parentSharedId } : {}),
    id: node.id,
  };
}

export function fileMeta(
  s: PathScope,
  node: Node & { kind: 'file' },
  tagged: boolean,
  version: VersionInfo = infoOf(node),
): Json {
  const shared = s.tree.sharedFolderOf(node);
  return {
    ...placedFields(s, node, tagged, shared?.nsId),
    ...versionFields(
      node.name,
      version,
      shared ? { read_only: false, parent_shared_folder_id: shared.nsId } : undefined,
    ),
  };
}

/**
 * A file version's fields, in Dropbox's order (sharing_info, when there is one, sits among
 * them). Export-only files (Paper docs) say how to export them and have no content_hash.
 */
function versionFields(name: string, v: VersionInfo, sharingInfo?: Json): Json {
  const exportOnly = isExportOnly(name);
  return {
    client_modified: v.clientModified,
    server_modified: v.serverModified,
    rev: v.rev,
    size: v.size,
    ...(sharingInfo ? { sharing_info: sharingInfo } : {}),
    is_downloadable: !exportOnly,
    ...(exportOnly ? { export_info: PAPER_EXPORT } : { content_hash: v.contentHash }),
  };
}

/**
 * A past version of a file (a `rev:` path, a list_revisions entry): the live file's metadata
 * at that version, or, once the file is gone, the version where it was written (no path
 * fields when that lies outside the caller's root).
 */
export function revisionMeta(s: PathScope, r: Revision, tagged: boolean): Json {
  const live = s.tree.byId.get(r.id);
  if (live?.kind === 'file') return fileMeta(s, live, tagged, infoOf(r));
  const rootDisplay = s.tree.displayPath(s.root);
  const inside = r.lower.startsWith(fold(rootDisplay) + '/');
  const display = r.display.slice(rootDisplay.length);
  return {
    ...(tagged ? { '.tag': 'file' } : {}),
    name: r.name,
    ...(inside ? pathFields(fold(display), display) : {}),
    id: r.id,
    ...versionFields(r.name, infoOf(r)),
  };
}

export function folderMeta(s: PathScope, node: Node & { kind: 'folder' }, tagged: boolean): Json {
  const shared = s.tree.sharedFolderOf(node);
  const sharing = node.shared
    ? {
        read_only: false,
        ...(shared ? { parent_shared_folder_id: shared.nsId } : {}),
        shared_folder_id: node.nsId,
        traverse_only: false,
        no_access: false,
      }
    : shared
      ? { read_only: false, parent_shared_folder_id: shared.nsId, traverse_only: false, no_access: false }
      : undefined;
  return {
    ...placedFields(s, node, tagged, shared?.nsId),
    ...(node.shared ? { shared_folder_id: node.nsId } : {}),
    ...(sharing ? { sharing_info: sharing } : {}),
  };
}

export function meta(s: PathScope, node: Node, tagged = true): Json {
  return node.kind === 'file' ? fileMeta(s, node, tagged) : folderMeta(s, node, tagged);
}

/** A journal entry as list_folder/continue reports it (paths as they were then). */
export function entryMeta(s: PathScope, e: JournalEntry, rootDisplay: string): Json {
  const display = e.display.slice(rootDisplay.length);
  const lower = fold(display);
  if (!e.node) return { '.tag': 'deleted', name: e.name, path_lower: lower, path_display: display };
  const m = e.node.kind === 'file' ? fileMeta(s, e.node, true, e.version) : folderMeta(s, e.node, true);
  return { ...m, name: e.name, path_lower: lower, path_display: display };
}
