// Dropbox listings as filter candidates. A folder has no date in Dropbox metadata, so
// when folders are candidates and a date matters, the listing goes one level deeper
// than asked (recursive) and a folder takes the time of the newest file inside it:
// "a backup folder is as old as its newest file".
import { pluginError } from '../error-codes.ts';
import type { TaskOutput } from '../../../src/plugin.ts';
import type { DropboxClient, FileMetadata, FolderMetadata, Metadata } from '../api/types.ts';
import type { Candidate, CompiledFilter } from './filters.ts';
import type { DropboxEntriesOutput } from './list.ts';
import { relativeRemote } from './remote-paths.ts';

export type EntryType = 'files' | 'folders' | 'all';
export type DateField = 'modified' | 'uploaded';

export interface RemoteCandidate extends Candidate {
  meta: FileMetadata | FolderMetadata;
  /** The Dropbox path to act on (path_display, else path_lower). */
  path: string;
}

export function fileTime(f: FileMetadata, field: DateField): Date {
  return new Date(field === 'uploaded' ? f.server_modified : f.client_modified);
}

export function toCandidate(meta: Metadata, relPath: string, field: DateField): RemoteCandidate | undefined {
  if (meta['.tag'] === 'deleted') return undefined;
  const path = meta.path_display ?? meta.path_lower;
  if (!path) return undefined; // not mounted: nothing can be done with it by path
  return meta['.tag'] === 'file'
    ? { relPath, folder: false, size: meta.size, modified: fileTime(meta, field), meta, path }
    : { relPath, folder: true, meta, path };
}

export interface ListRequest {
  folder: string;
  type: EntryType;
  recursive: boolean;
  dateField: DateField;
  /** True when a date filter, a date sort or retention needs folder times. */
  needFolderDates: boolean;
  filter: CompiledFilter;
  signal: AbortSignal;
  /**
   * The folder does not exist. Dropbox said so (get_metadata: not_found), which is an
   * answer, not a failed listing: there is nothing in it, and the task says so.
   */
  onMissing(folder: string): void;
  /** An entry whose path could not have come from Dropbox ('..', empty parts): skipped, reported here. */
  onUnsafe(path: string, reason: string): void;
}

/** A '.' or '..' part of a '/'-separated path. */
const DOT_PART = /(?:^|\/)\.\.?(?:\/|$)/;

/**
 * Why a listed path is impossible for Dropbox (so hostile or broken), or undefined.
 * Checked on the string as it is, with no split: it runs for every entry of a listing.
 */
export function impossibleRemote(rel: string, name: string): string | undefined {
  if (rel === '' || rel.startsWith('/') || rel.endsWith('/') || rel.includes('//') || DOT_PART.test(rel))
    return `its path has an empty, '.' or '..' part`;
  if (rel.length - rel.lastIndexOf('/') - 1 !== name.length || !rel.endsWith(name))
    return `its name ${JSON.stringify(name)} is not the last part of its path`;
  return undefined;
}

/**
 * Matches a list hands to the next task, and list actions it reports one by one. The
 * list task cannot know whether a task follows, and each handed-on entry is ~1 KB of
 * metadata held until the run ends: 10,000 is ~10 MB. More than that would make memory
 * grow with the listing, so past it nothing is handed on and a following
 * `from: previous` fails with a clear error (download and delete list a folder
 * themselves, with the same filters); the report file still holds every match.
 */
export const HAND_ON_MAX = 10_000;

export interface PreviousRequest {
  /** The option that said 'previous' (`from`, `path`), named when there is no list before. */
  option: string;
  type: EntryType;
  dateField: DateField;
  /** Compiled with `recursive: true`: the list already chose the depth. */
  filter: CompiledFilter;
  /** An entry whose path could not have come from Dropbox: skipped, reported here. */
  onUnsafe(path: string, reason: string): void;
}

/**
 * The matching entries a list task before this one handed on, with the checks
 * listCandidates makes on a fresh listing: the listed folder itself is never a
 * candidate, and an impossible path is reported, never acted on. Paths stay relative
 * to the folder the list listed, so sub paths below it are kept.
 */
export function previousCandidates(input: TaskOutput | undefined, req: PreviousRequest): RemoteCandidate[] {
  if (input?.kind !== 'dropbox-entries') {
    throw pluginError(
      'DBX_TASK_INPUT',
      `${req.option}: previous needs a task before it that hands on Dropbox entries (list), got ${input ? `'${input.kind}'` : 'nothing'}`,
    );
  }
  const { items, root, matched } = input as DropboxEntriesOutput;
  if (matched !== undefined) {
    throw pluginError(
      'DBX_TASK_INPUT',
      `${req.option}: the list before matched ${matched} entries, more than the ${HAND_ON_MAX} a list hands on; give this task the folder (with the same filters) instead of previous, or narrow the list`,
    );
  }
  const out: RemoteCandidate[] = [];
  for (const meta of items) {
    const full = meta.path_display ?? meta.path_lower ?? '';
    const rel = relativeRemote(root, full) ?? meta.name;
    if (rel === '') continue; // the listed folder itself
    const c = toCandidate(meta, rel, req.dateField);
    if (!c || (c.folder ? req.type === 'files' : req.type === 'folders')) continue;
    const impossible = impossibleRemote(rel, meta.name);
    if (impossible) req.onUnsafe(c.path, impossible);
    else if (req.filter.accepts(c)) out.push(c);
  }
  return out;
}

/**
 * Every matching entry below `folder`. The connector's iterator throws on a partial
 * listing; that error propagates: a listing that failed is never "nothing there".
 */
export async function listCandidates(client: DropboxClient, req: ListRequest): Promise<RemoteCandidate[]> {
  const out: RemoteCandidate[] = [];
  await eachCandidate(client, req, (c) => {
    out.push(c);
  });
  return out;
}

/**
 * Hands each matching entry below `folder` to `onMatch` as its page arrives: files at
 * once, folders at the end (a folder's date is that of the newest file in it, known only
 * when the listing is done), so only the folders are held, not the files.
 */
export async function eachCandidate(
  client: DropboxClient,
  req: ListRequest,
  onMatch: (c: RemoteCandidate) => void | Promise<void>,
): Promise<void> {
  if (req.folder !== '') {
    const top = await client.getMetadata(req.folder, { signal: req.signal });
    if (!top) {
      req.onMissing(req.folder);
      return;
    }
    if (top['.tag'] === 'file') throw pluginError('DBX_TASK_INPUT', `${req.folder} is a file, not a folder`);
  }
  const wantFolders = req.type !== 'files';
  const deep = req.recursive || (wantFolders && req.needFolderDates);
  const folders = new Map<string, RemoteCandidate>(); // by lower-case relPath
  const newest = new Map<string, number>(); // folder relPath (lower) -> newest file time
  for await (const meta of client.listFolder(req.folder, { recursive: deep, signal: req.signal })) {
    const full = meta.path_display ?? meta.path_lower;
    if (!full) continue;
    const rel = relativeRemote(req.folder, full);
    if (rel === undefined || rel === '') continue; // the folder itself
    const c = toCandidate(meta, rel, req.dateField);
    if (!c) continue;
    const impossible = impossibleRemote(rel, meta.name);
    if (impossible) {
      req.onUnsafe(full, impossible);
      continue;
    }
    if (!c.folder && wantFolders && req.needFolderDates) {
      const t = c.modified!.getTime();
      const parts = rel.toLowerCase().split('/');
      for (let i = 1; i < parts.length; i++) {
        const k = parts.slice(0, i).join('/');
        if ((newest.get(k) ?? -Infinity) < t) newest.set(k, t);
      }
    }
    if (!req.recursive && rel.includes('/')) continue; // only listed for folder dates
    if (c.folder ? !wantFolders : req.type === 'folders') continue;
    if (c.folder) folders.set(rel.toLowerCase(), c);
    else if (req.filter.accepts(c)) {
      // Awaited only when it is a promise: an await per entry of 100,000 costs time of its own.
      const p = onMatch(c);
      if (p) await p;
    }
  }
  for (const [k, c] of folders) {
    const t = newest.get(k);
    if (t !== undefined) c.modified = new Date(t);
    if (req.filter.accepts(c)) await onMatch(c);
  }
}
