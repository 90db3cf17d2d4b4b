// The metadata tree: folders and files as linked nodes under one hidden global root.
// Every namespace (a personal home, a team space root, a member folder, a team folder)
// is a folder node carrying its namespace id; namespaces mount inside others, as in a
// Dropbox team space. File contents are Blobs; every change is appended to a journal
// so list_folder/continue can replay what happened since a cursor.
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { Blob } from './blobs.ts';

/** Quota accounting unit: one personal account or one team. */
export interface Space {
  id: string;
  quota: number;
  used: number;
}

export interface FolderNode {
  kind: 'folder';
  id: string;
  name: string;
  parent: FolderNode | null;
  children: Map<string, Node>;
  /** Set when this folder is the root of a namespace. */
  nsId?: string;
  /** Team folders are shared folders: their content carries sharing_info. */
  shared?: boolean;
  space: Space;
}

export interface FileVersion {
  rev: string;
  blob: Blob;
  clientModified: string;
  serverModified: string;
}

/** What metadata needs of a version; journal entries keep this, not the bytes. */
export interface VersionInfo {
  rev: string;
  size: number;
  contentHash: string;
  clientModified: string;
  serverModified: string;
}

/** A kept version: which file it belonged to and where that file was when it was written. */
export interface Revision extends FileVersion {
  id: string;
  name: string;
  space: Space;
  /** Global paths at the time of writing (list_revisions' path mode). */
  lower: string;
  display: string;
}

/** A removed file whose versions are still kept (list_revisions, restore). */
export interface DeletedFile {
  id: string;
  lower: string;
  /** When it was removed (ms). */
  at: number;
}

export interface FileNode extends FileVersion {
  kind: 'file';
  id: string;
  name: string;
  parent: FolderNode;
  space: Space;
}

export type Node = FolderNode | FileNode;

export interface JournalEntry {
  seq: number;
  /** Global paths at the time of the change. */
  lower: string;
  display: string;
  /** The node as it was (files: a frozen version), or null for a deletion. */
  node: Node | null;
  version?: VersionInfo;
  /** For deletions: what was there (file or folder). */
  name: string;
}

/** Case folding that keeps string lengths, so lower and display paths slice alike. */
export function fold(s: string): string {
  return s.replace(/[^\0-\x40\x5b-\x60\x7b-\x7f]/gsu, (c) => {
    const l = c.toLowerCase();
    return l.length === c.length ? l : c;
  });
}

export function nowStamp(ms = Date.now()): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

/** Who keeps the bytes alive: the blob store counts references. */
export interface BlobRefs {
  retain(b: Blob): void;
  release(b: Blob): void;
}

const JOURNAL_MAX = 200_000;
const JOURNAL_KEEP = 100_000;

/** What a removed file node keeps (journal entries still point at the node). */
const NO_BYTES: Blob = { size: 0, contentHash: '', read: () => Readable.from([]) };

/** Old versions kept per file for rev: paths; each keeps its bytes alive. */
const REVISIONS_PER_FILE = 3;

/** Removed files whose versions stay restorable by default; older ones lose theirs (memory stays flat). */
export const DELETED_FILES_KEPT = 10_000;

export class Tree {
  readonly root: FolderNode;
  readonly namespaces = new Map<string, FolderNode>();
  readonly byId = new Map<string, Node>();
  readonly revisions = new Map<string, Revision>();
  private revsByFile = new Map<string, string[]>();
  /** Removed files by id, oldest first, each with its versions still in `revisions`. */
  readonly deletedFiles = new Map<string, DeletedFile>();
  readonly journal: JournalEntry[] = [];
  /** The seq just before journal[0]: older entries were trimmed. */
  journalStart = 0;
  seq = 0;
  /** Called after every change (list_folder/longpoll waits on it). */
  readonly watchers = new Set<() => void>();
  private revCounter = 0x1000;

  constructor(
    private refs: BlobRefs = { retain() {}, release() {} },
    private deletedFilesKept = DELETED_FILES_KEPT,
  ) {
    const space: Space = { id: '', quota: 0, used: 0 };
    this.root = { kind: 'folder', id: 'id:root', name: '', parent: null, children: new Map(), space };
  }

  newId(): string {
    return 'id:' + randomBytes(16).toString('base64url').slice(0, 22);
  }

  newRev(): string {
    // Hex, at least 9 digits, increasing: like Dropbox's revs.
    return (this.revCounter++).toString(16).padStart(9, '0') + randomBytes(3).toString('hex');
  }

  /** A namespace root under `parent` (or a top-level one under the hidden global root). */
  addNamespace(nsId: string, name: string, space: Space, parent: FolderNode | null, shared = false): FolderNode {
    const p = parent ?? this.root;
    const node: FolderNode = {
      kind: 'folder',
      id: this.newId(),
      name,
      parent: p,
      children: new Map(),
      nsId,
      shared,
      space,
    };
    p.children.set(fold(name), node);
    this.namespaces.set(nsId, node);
    this.byId.set(node.id, node);
    return node;
  }

  displayPath(node: Node): string {
    let p = '';
    for (let n: Node | null = node; n && n.parent; n = n.parent) p = '/' + n.name + p;
    return p;
  }

  /** The innermost namespace holding `node` (itself if it is a namespace root). */
  namespaceOf(node: Node): FolderNode {
    for (let n: FolderNode | null = node.kind === 'folder' ? node : node.parent; n; n = n.parent) if (n.nsId) return n;
    return this.root;
  }

  /** The nearest shared (team) folder above or at `node`, if any. */
  sharedFolderOf(node: Node): FolderNode | undefined {
    for (let n: FolderNode | null = node.parent; n; n = n.parent) if (n.shared) return n;
    return undefined;
  }

  isUnder(node: Node, ancestor: FolderNode): boolean {
    for (let n: Node | null = node; n; n = n.parent) if (n === ancestor) return true;
    return false;
  }

  private record(node: Node | null, lower: string, display: string, name: string, version?: VersionInfo): void {
    this.journal.push({ seq: ++this.seq, lower, display, node, version, name });
    if (this.journal.length > JOURNAL_MAX) {
      // Long runs keep memory flat; cursors from before the cut answer `reset`.
      const drop = this.journal.length - JOURNAL_KEEP;
      this.journal.splice(0, drop);
      this.journalStart += drop;
    }
    for (const w of [...this.watchers]) w();
  }

  private recordNode(node: Node): void {
    const display = this.displayPath(node);
    this.record(node, fold(display), display, node.name, node.kind === 'file' ? infoOf(node) : undefined);
  }

  mkdir(parent: FolderNode, name: string): FolderNode {
    const node: FolderNode = {
      kind: 'folder',
      id: this.newId(),
      name,
      parent,
      children: new Map(),
      space: parent.space,
    };
    parent.children.set(fold(name), node);
    this.byId.set(node.id, node);
    this.recordNode(node);
    return node;
  }

  /** Writes a file version at parent/name, replacing a file there (keeping its id). */
  putFile(parent: FolderNode, name: string, v: Omit<FileVersion, 'rev'>): FileNode {
    const key = fold(name);
    const existing = parent.children.get(key);
    const rev = this.newRev();
    let node: FileNode;
    if (existing && existing.kind === 'file') {
      parent.space.used -= existing.blob.size;
      Object.assign(existing, v, { rev, name });
      node = existing;
    } else {
      node = { kind: 'file', id: this.newId(), name, parent, space: parent.space, rev, ...v };
      parent.children.set(key, node);
      this.byId.set(node.id, node);
    }
    parent.space.used += v.blob.size;
    this.addRevision(node);
    this.recordNode(node);
    return node;
  }

  private addRevision(node: FileNode): void {
    this.refs.retain(node.blob);
    const display = this.displayPath(node);
    this.revisions.set(node.rev, {
      ...versionOf(node),
      id: node.id,
      name: node.name,
      space: node.space,
      lower: fold(display),
      display,
    });
    const revs = this.revsByFile.get(node.id) ?? [];
    revs.push(node.rev);
    while (revs.length > REVISIONS_PER_FILE) this.dropRevision(revs.shift()!);
    this.revsByFile.set(node.id, revs);
  }

  private dropRevision(rev: string): void {
    const r = this.revisions.get(rev);
    if (!r) return;
    this.revisions.delete(rev);
    this.refs.release(r.blob);
  }

  private dropRevisions(id: string): void {
    for (const rev of this.revsByFile.get(id) ?? []) this.dropRevision(rev);
    this.revsByFile.delete(id);
  }

  /** A removed file keeps its versions (restore), until `deletedFilesKept` newer removals push it out. */
  private keepDeleted(n: FileNode, lower: string): void {
    this.deletedFiles.set(n.id, { id: n.id, lower, at: Date.now() });
    while (this.deletedFiles.size > this.deletedFilesKept) {
      const oldest = this.deletedFiles.keys().next().value!;
      this.deletedFiles.delete(oldest);
      this.dropRevisions(oldest);
    }
  }

  /** A file's kept versions, newest first. */
  revisionsOf(id: string): Revision[] {
    return (this.revsByFile.get(id) ?? [])
      .map((r) => this.revisions.get(r)!)
      .filter(Boolean)
      .reverse();
  }

  /** Kept versions written at a global path, by any file that was there, newest first. */
  revisionsAt(lower: string): Revision[] {
    return [...this.revisions.values()].filter((r) => r.lower === lower).sort((a, b) => (a.rev < b.rev ? 1 : -1));
  }

  /** The file most recently removed from a global path, if its versions are still kept. */
  deletedAt(lower: string): DeletedFile | undefined {
    let found: DeletedFile | undefined;
    for (const d of this.deletedFiles.values()) if (d.lower === lower) found = d;
    return found;
  }

  remove(node: Node): void {
    if (!node.parent) throw new Error('cannot remove the root');
    const display = this.displayPath(node);
    this.forEach(node, (n) => {
      this.byId.delete(n.id);
      if (n.kind === 'file') {
        n.space.used -= n.blob.size;
        this.keepDeleted(n, fold(this.displayPath(n)));
        n.blob = NO_BYTES;
      }
    });
    node.parent.children.delete(fold(node.name));
    this.record(null, fold(display), display, node.name, node.kind === 'file' ? infoOf(node) : undefined);
  }

  /** Moves a node (with its subtree) to parent/name; ids stay. */
  move(node: Node, parent: FolderNode, name: string): Node {
    if (!node.parent) throw new Error('cannot move the root');
    const oldDisplay = this.displayPath(node);
    node.parent.children.delete(fold(node.name));
    this.record(null, fold(oldDisplay), oldDisplay, node.name);
    node.name = name;
    node.parent = parent;
    parent.children.set(fold(name), node);
    const spaceChanged = node.space !== parent.space;
    this.forEach(node, (n) => {
      if (spaceChanged && !(n.kind === 'folder' && n.nsId)) {
        if (n.kind === 'file') {
          n.space.used -= n.blob.size;
          parent.space.used += n.blob.size;
        }
        n.space = parent.space;
      }
      this.recordNode(n);
    });
    return node;
  }

  /** Copies a node (with its subtree) to parent/name; copies get new ids. */
  copy(node: Node, parent: FolderNode, name: string): Node {
    if (node.kind === 'file')
      return this.putFile(parent, name, {
        blob: node.blob,
        clientModified: node.clientModified,
        serverModified: nowStamp(),
      });
    const dir = this.mkdir(parent, name);
    for (const child of node.children.values()) this.copy(child, dir, child.name);
    return dir;
  }

  /** Pre-order walk of a subtree. */
  forEach(node: Node, fn: (n: Node) => void): void {
    fn(node);
    if (node.kind === 'folder') for (const c of node.children.values()) this.forEach(c, fn);
  }

  countFiles(node: Node): number {
    let n = 0;
    this.forEach(node, () => n++);
    return n;
  }
}

export function versionOf(f: FileNode): FileVersion {
  return { rev: f.rev, blob: f.blob, clientModified: f.clientModified, serverModified: f.serverModified };
}

export function infoOf(f: FileVersion): VersionInfo {
  return {
    rev: f.rev,
    size: f.blob.size,
    contentHash: f.blob.contentHash,
    clientModified: f.clientModified,
    serverModified: f.serverModified,
  };
}
