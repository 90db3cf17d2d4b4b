// Dropbox paths relative to a caller's root: "" (the root), "/a/b", "id:...", "ns:<id>[/a]"
// and "rev:<hex>" (read-only). Case-insensitive, case-preserving.
import { LookupFailure, WriteFailure, tag, nest } from './errors.ts';
import { fold, type FolderNode, type Node, type Revision, type Tree } from './tree.ts';

// The spec's path aliases (files.stone), checked by the argument parser.
export const PATH_R_OR_ID = '(/(.|[\\r\\n])*)?|id:.*|(ns:[0-9]+(/(.|[\\r\\n])*)?)';
export const READ_PATH = '(/(.|[\\r\\n])*|id:.*)|(rev:[0-9a-f]{9,})|(ns:[0-9]+(/(.|[\\r\\n])*)?)';
export const WRITE_PATH = '(/(.|[\\r\\n])*)|(ns:[0-9]+(/(.|[\\r\\n])*)?)';
export const WRITE_PATH_OR_ID = '(/(.|[\\r\\n])*)|(ns:[0-9]+(/(.|[\\r\\n])*)?)|(id:.*)';
export const REV = '[0-9a-f]+';

/** Who is asking, as far as paths are concerned. */
export interface PathScope {
  tree: Tree;
  /** What "/" means for this call. */
  root: FolderNode;
  /** Namespaces reachable through ns: paths and mounts. */
  accessible: Set<string>;
}

/** Names Dropbox refuses (and its desktop client ignores). */
const DISALLOWED = new Set(['desktop.ini', 'thumbs.db', '.ds_store', 'icon\r', '.dropbox', '.dropbox.attr']);

const malformed = () => nest('malformed_path', null);
const notFound = () => new LookupFailure(tag('not_found'));

function splitPath(rest: string): string[] | undefined {
  if (rest === '') return [];
  const comps = rest.slice(1).split('/');
  for (const c of comps)
    if (c === '' || c === '.' || c === '..' || c.length > 255 || c.includes('\0')) return undefined;
  return comps;
}

/** Start folder and remaining components of a path; undefined components = malformed. */
function base(s: PathScope, path: string): { start: FolderNode; comps: string[] | undefined } {
  if (path.startsWith('ns:')) {
    const m = /^ns:([^/]*)(.*)$/s.exec(path)!;
    const ns = s.tree.namespaces.get(m[1]!);
    if (!ns || !s.accessible.has(m[1]!)) throw notFound();
    return { start: ns, comps: splitPath(m[2]!) };
  }
  return { start: s.root, comps: splitPath(path) };
}

/** A mounted namespace the caller may not enter looks like nothing. */
function visible(s: PathScope, n: Node): boolean {
  return !(n.kind === 'folder' && n.nsId && !s.accessible.has(n.nsId) && !s.tree.isUnder(s.root, n));
}

export function child(s: PathScope, dir: FolderNode, name: string): Node | undefined {
  const n = dir.children.get(fold(name));
  return n && visible(s, n) ? n : undefined;
}

export function visibleChildren(s: PathScope, dir: FolderNode): Node[] {
  return [...dir.children.values()].filter((n) => visible(s, n));
}

/** Whether `node` can be reached by this caller (under its root or an accessible namespace). */
export function reachable(s: PathScope, node: Node): boolean {
  if (s.tree.isUnder(node, s.root)) return true;
  for (let n: FolderNode | null = node.kind === 'folder' ? node : node.parent; n; n = n.parent) {
    if (n.nsId && s.accessible.has(n.nsId)) return true;
  }
  return false;
}

export function lookup(s: PathScope, path: string): Node {
  if (path.startsWith('id:')) {
    const n = s.tree.byId.get(path);
    if (!n || !reachable(s, n)) throw notFound();
    return n;
  }
  const { start, comps } = base(s, path);
  if (!comps) throw new LookupFailure(malformed());
  let cur: Node = start;
  for (const c of comps) {
    if (cur.kind !== 'folder') throw notFound();
    const next = child(s, cur, c);
    if (!next) throw notFound();
    cur = next;
  }
  return cur;
}

export function lookupRev(s: PathScope, rev: string): Revision {
  const r = s.tree.revisions.get(rev);
  if (!r) throw notFound();
  const live = s.tree.byId.get(r.id);
  if (live && !reachable(s, live)) throw notFound();
  if (!live && r.space !== s.root.space) throw notFound();
  return r;
}

export interface WriteTarget {
  /** The deepest existing folder on the way. */
  parent: FolderNode;
  /** Folders to create below `parent` before writing. */
  missing: string[];
  name: string;
  existing?: Node;
}

export function writeTarget(s: PathScope, path: string): WriteTarget {
  if (path.startsWith('id:')) {
    const n = s.tree.byId.get(path);
    if (!n || !reachable(s, n) || !n.parent) throw new LookupFailure(tag('not_found'));
    return { parent: n.parent, missing: [], name: n.name, existing: n };
  }
  let b;
  try {
    b = base(s, path);
  } catch {
    throw new WriteFailure(tag('no_write_permission'));
  }
  const comps = b.comps;
  if (!comps || comps.length === 0) throw new WriteFailure(malformed());
  const name = comps[comps.length - 1]!;
  if (DISALLOWED.has(name.toLowerCase())) throw new WriteFailure(tag('disallowed_name'));
  let cur = b.start;
  for (let i = 0; i < comps.length - 1; i++) {
    const next = child(s, cur, comps[i]!);
    if (!next) return { parent: cur, missing: comps.slice(i, -1), name };
    if (next.kind === 'file') throw new WriteFailure(nest('conflict', tag('file_ancestor')));
    cur = next;
  }
  return { parent: cur, missing: [], name, existing: child(s, cur, name) };
}

/** Where a write lands: the folder itself once `missing` folders exist. */
export function createMissing(s: PathScope, t: WriteTarget): FolderNode {
  let cur = t.parent;
  for (const m of t.missing) cur = s.tree.mkdir(cur, m);
  t.parent = cur;
  t.missing = [];
  return cur;
}

/** Paths of `node` relative to the caller's root, or undefined when it lies outside. */
export function relPaths(s: PathScope, node: Node): { lower: string; display: string } | undefined {
  let display = '';
  for (let n: Node | null = node; n; n = n.parent) {
    if (n === s.root) return { lower: fold(display), display };
    display = '/' + n.name + display;
  }
  return undefined;
}

/** Dropbox's autorename candidates: "a (1).txt", "a (2).txt", ... */
export function renamed(name: string, i: number, suffix?: string): string {
  const dot = name.lastIndexOf('.');
  const [stem, ext] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ''];
  return `${stem} (${suffix ?? i})${ext}`;
}
