// Writing a file by CommitInfo rules (files.stone WriteMode): an empty target is
// written; a folder there is a conflict; identical contents are a no-op success unless
// strict_conflict; add and update conflict on different contents (autorename picks
// "a (1).txt" or "a (conflicted copy).txt"); overwrite replaces. Planned first (no
// bytes needed: size and hash suffice), applied once the blob is sealed.
import type { UnionValue } from './args.ts';
import type { Blob } from './blobs.ts';
import { LookupFailure, WriteFailure, nest, tag } from './errors.ts';
import { createMissing, renamed, writeTarget, type PathScope, type WriteTarget } from './paths.ts';
import type { State } from './state.ts';
import { fold, nowStamp, type FileNode, type FolderNode } from './tree.ts';

export interface CommitInfo {
  path: string;
  mode: UnionValue;
  autorename: boolean;
  client_modified?: string;
  strict_conflict: boolean;
}

export interface CommitPlan {
  /** The namespace whose commit lock the write needs. */
  ns: FolderNode;
  apply(blob: Blob): FileNode;
}

const conflict = (what: 'file' | 'folder' | 'file_ancestor') => new WriteFailure(nest('conflict', tag(what)));

/** Refuses writes straight into a team space root: it holds member and team folders only. */
export function checkWritable(st: State, parent: FolderNode): void {
  if (st.world.teams.some((t) => t.root === parent)) throw new WriteFailure(tag('no_write_permission'));
}

/** The first free autorename candidate: "a (1).txt", "a (2).txt"... as Dropbox numbers them (from 1). */
export function freeName(parent: FolderNode, name: string, suffix?: string): string {
  for (let i = 1; ; i++) {
    const candidate = suffix ? renamed(name, 0, i === 1 ? suffix : `${suffix} ${i}`) : renamed(name, i);
    if (!parent.children.has(fold(candidate))) return candidate;
  }
}

/** The target of a write, with lookup failures of id: paths reported as write errors. */
export function target(s: PathScope, path: string): WriteTarget {
  try {
    return writeTarget(s, path);
  } catch (err) {
    if (err instanceof LookupFailure) throw new WriteFailure(nest('malformed_path', null));
    throw err;
  }
}

export function planCommit(
  st: State,
  s: PathScope,
  info: CommitInfo,
  content: { size: number; contentHash: string },
): CommitPlan & { existing?: FileNode } {
  const t = target(s, info.path);
  checkWritable(st, t.parent);
  const ex = t.existing;
  let name = t.name;
  let replaces: FileNode | undefined;
  if (ex?.kind === 'folder') {
    if (!info.autorename) throw conflict('folder');
    name = freeName(t.parent, name);
  } else if (ex?.kind === 'file') {
    const same = ex.blob.size === content.size && ex.blob.contentHash === content.contentHash;
    const mode = info.mode.tag;
    if (mode === 'overwrite') {
      if (same) return { ns: st.tree.namespaceOf(ex), existing: ex, apply: () => ex };
      replaces = ex;
    } else if (mode === 'update' && ex.rev === info.mode.value) {
      if (same) return { ns: st.tree.namespaceOf(ex), existing: ex, apply: () => ex };
      replaces = ex;
    } else if (same && !info.strict_conflict) {
      return { ns: st.tree.namespaceOf(ex), existing: ex, apply: () => ex };
    } else if (info.autorename) {
      name = freeName(t.parent, name, mode === 'update' ? 'conflicted copy' : undefined);
    } else {
      throw conflict('file');
    }
  } else if (info.mode.tag === 'update' && info.strict_conflict) {
    throw conflict('file');
  }
  const space = t.parent.space;
  const after = space.used - (replaces?.blob.size ?? 0) + content.size;
  if (after > st.quotaOf(space)) throw new WriteFailure(tag('insufficient_space'));
  return {
    ns: st.tree.namespaceOf(t.parent),
    apply(blob) {
      const parent = createMissing(s, t);
      const now = nowStamp();
      // An overwrite keeps the existing file's name and case.
      return st.tree.putFile(parent, replaces ? replaces.name : name, {
        blob,
        clientModified: info.client_modified ?? now,
        serverModified: now,
      });
    },
  };
}

/** The namespace a write to `path` would lock, even when the path itself is bad. */
export function lockNamespace(st: State, s: PathScope, path: string): FolderNode {
  try {
    return st.tree.namespaceOf(target(s, path).parent);
  } catch {
    return st.tree.namespaceOf(s.root);
  }
}
