// sync: a one-way mirror. The transfers are the upload or download task itself with
// `overwrite: if-different` (size, then Dropbox content_hash; never the mtime), so they
// get the same filters, refused names, part files, sessions, parallelism and
// verification. Only then, and only when every transfer succeeded, are files the source
// does not have removed from the target (deleted, or moved to backupDir), under the
// delete guard: a run killed half-way has removed nothing it should not have, and the
// next run picks up where it stopped. Folders left empty by the removals go last; the
// guard counts files only (as rclone's --max-delete), since an emptied folder holds
// nothing more to lose. The Dropbox folder is listed once for all of it (listing-once.ts).
import { copyFile, lstat, mkdir, readdir, rename, rmdir, stat, unlink } from 'node:fs/promises';
import { dirname, extname, join, relative, isAbsolute } from 'node:path';
import { pluginError } from '../error-codes.ts';
import type { TaskContext, TaskResult, TaskType } from '../../../src/plugin.ts';
import type { DropboxClient } from '../api/types.ts';
import { expand, placeholderProblems, remotePathProblems, rethrowIfAborted, varsOf } from './common.ts';
import { checkDeleteGuard } from './delete-guard.ts';
import { deleteListed } from './delete-listed.ts';
import { downloadTask } from './download.ts';
import { emptiedFolders, outermost } from './emptied-folders.ts';
import { compileFilter, filterProblems, type CompiledFilter, type FilterOptions } from './filters.ts';
import { shareListing, type SharedListing } from './listing-once.ts';
import { resolveLocal, walkLocal } from './local-paths.ts';
import { listCandidates } from './remote-entries.ts';
import { caseKey, joinRemote, relativeRemote, remoteOrThrow } from './remote-paths.ts';
import { ResultBuilder, TaskFailedError } from './result.ts';
import { syncSchema } from './task-schemas.ts';
import { uploadTask } from './upload.ts';

export interface SyncOptions extends Omit<FilterOptions, 'sort' | 'limit'> {
  direction: 'up' | 'down';
  local: string;
  remote: string;
  deleteExtraneous: boolean;
  backupDir?: string;
  maxDelete: number;
  maxDeleteShare: number;
}

/** A file at the target: where it is, and its path below the target (the key it is matched by). */
interface TargetFile {
  target: string;
  relPath: string;
  size: number;
  /** Dropbox rev, so a file saved again since the listing is not deleted unseen. */
  rev?: string;
}

/** A folder at the target that the removals leave empty. */
interface EmptiedFolder {
  target: string;
  /** Below the target, in the key form extraneous files are matched by. */
  key: string;
}

export const syncTask: TaskType<SyncOptions, DropboxClient> = {
  name: 'sync',
  schema: syncSchema,
  check(o) {
    const out = [
      ...filterProblems(o),
      ...remotePathProblems('remote', o.remote),
      ...placeholderProblems('local', o.local),
    ];
    if (o.backupDir !== undefined) {
      if (!o.deleteExtraneous) out.push(['backupDir', 'takes effect only with deleteExtraneous: true']);
      out.push(
        ...(o.direction === 'up'
          ? remotePathProblems('backupDir', o.backupDir)
          : placeholderProblems('backupDir', o.backupDir)),
      );
    }
    return out;
  },
  async run(o, ctx) {
    const r = new ResultBuilder(ctx.connection);
    const vars = varsOf(ctx);
    const remote = remoteOrThrow(expand(o.remote, ctx));
    const local = resolveLocal(expand(o.local, ctx), vars.baseDir);
    const backup = o.deleteExtraneous && o.backupDir !== undefined ? backupTarget(o, ctx, remote, local) : undefined;
    const filters = filterOptions(o);
    const same = { overwrite: 'if-different', keepModified: true, deleteSource: false } as const;
    const deep = o.recursive === true;
    const listing = shareListing(ctx.connection, remote, deep);
    const shared = { ...ctx, connection: listing.client };

    // 1. Transfers. A failed one fails the task before anything is removed.
    try {
      const done =
        o.direction === 'up'
          ? await uploadTask.run({ ...filters, ...same, from: o.local, to: o.remote }, shared)
          : await downloadTask.run({ ...filters, ...same, from: o.remote, to: o.local, dateField: 'modified' }, shared);
      absorbResult(r, done);
    } catch (err) {
      if (err instanceof TaskFailedError)
        err.result.warnings.push('extraneous files at the target were left alone because transfers failed');
      throw err;
    }

    // 2. What the target has that the source does not (both sides seen through the same filters).
    const filter = compileFilter(filters, vars.now, vars.timezone);
    const [sourceKeys, targets] =
      o.direction === 'up'
        ? [await localKeys(local, filter, ctx, caseKey), await remoteFiles(remote, filter, shared, deep)]
        : [await remoteKeys(remote, filter, shared, deep), await localFiles(local, filter, ctx)];
    // Dropbox names are case-insensitive, so an upload target is matched that way; a local
    // target is written with Dropbox's names as they are, so it is matched exactly.
    const key = o.direction === 'up' ? caseKey : (p: string) => p;
    const extra = targets.filter((t) => !sourceKeys.has(key(t.relPath)));
    if (extra.length) r.count('extraneous', extra.length);
    if (!o.deleteExtraneous) {
      for (const t of extra)
        r.act('keep', t.target, 'extraneous (not in the source), left alone: deleteExtraneous is off');
      return r.finish();
    }
    // The listing up is from before the uploads (listing-once.ts): the mirror's size is
    // what was there and what the source has, now all sent.
    const size =
      o.direction === 'up' ? new Set([...targets.map((t) => key(t.relPath)), ...sourceKeys]).size : targets.length;
    checkDeleteGuard(extra.length, size, o, ctx.dryRun, r);
    for (const t of extra) {
      if (backup === undefined) r.act('delete', t.target, 'extraneous (not in the source), deleteExtraneous', t.size);
      else r.act('backup', t.target, `extraneous (not in the source), moved to ${backupPath(o, backup, t)}`, t.size);
    }
    const emptied =
      o.direction === 'up'
        ? await emptiedRemote(remote, extra, listing, sourceKeys)
        : await emptiedLocal(
            local,
            extra.map((t) => t.relPath),
            sourceKeys,
          );
    for (const f of emptied) r.act('delete', f.target, 'emptied: every entry in it was extraneous');
    if (ctx.dryRun) {
      if (extra.length) r.count(backup === undefined ? 'wouldDelete' : 'wouldBackup', extra.length);
      if (emptied.length) r.count('wouldDeleteFolders', emptied.length);
      return r.finish();
    }

    // 3. Removals, last; the folders they empty after them.
    if (o.direction === 'up') {
      await removeRemote(extra, backup, o, r, ctx);
      await removeRemoteFolders(emptied, r, ctx);
    } else {
      await removeLocal(extra, backup, o, r, ctx);
      await removeLocalFolders(emptied, r, ctx);
    }
    return r.finish();
  },
};

/** The filter options of a sync, as the upload and download tasks take them. */
function filterOptions(o: SyncOptions): FilterOptions {
  const { include, exclude, regex, caseSensitive, recursive, excludeFolders, newerThan, olderThan, minSize, maxSize } =
    o;
  return { include, exclude, regex, caseSensitive, recursive, excludeFolders, newerThan, olderThan, minSize, maxSize };
}

/** backupDir expanded and checked not to lie inside the target (its files would be extraneous next run). */
function backupTarget(o: SyncOptions, ctx: TaskContext, remote: string, local: string): string {
  const dir = expand(o.backupDir!, ctx);
  if (o.direction === 'up') {
    const b = remoteOrThrow(dir);
    if (relativeRemote(remote, b) !== undefined)
      throw pluginError('DBX_TASK_INPUT', `backupDir ${b} is inside the synced folder ${remote || '/'}`);
    return b;
  }
  const b = resolveLocal(dir, varsOf(ctx).baseDir);
  const rel = relative(local, b);
  if (rel === '' || (!rel.startsWith('..') && !isAbsolute(rel)))
    throw pluginError('DBX_TASK_INPUT', `backupDir ${b} is inside the synced folder ${local}`);
  return b;
}

function backupPath(o: SyncOptions, backup: string, t: TargetFile): string {
  return o.direction === 'up' ? joinRemote(backup, t.relPath) : join(backup, ...t.relPath.split('/'));
}

/** Adds a finished upload or download to the sync's result (its 429s the sync counts itself). */
function absorbResult(r: ResultBuilder, done: TaskResult): void {
  for (const [k, n] of Object.entries(done.counts)) if (k !== 'throttled') r.count(k, n);
  r.bytes += done.bytes;
  r.actions.push(...done.actions);
  for (const w of done.warnings) r.warn(w);
}

async function localFiles(root: string, filter: CompiledFilter, ctx: TaskContext): Promise<TargetFile[]> {
  if (!(await stat(root).catch(() => undefined))?.isDirectory()) return [];
  const out: TargetFile[] = [];
  // Warnings of the walk were given by the transfer's own walk or concern files never touched.
  for await (const f of walkLocal(root, { descend: filter.descend, warn: () => {}, signal: ctx.signal }))
    if (filter.accepts(f)) out.push({ target: f.abs, relPath: f.relPath, size: f.size });
  return out;
}

async function localKeys(
  root: string,
  filter: CompiledFilter,
  ctx: TaskContext,
  key: (p: string) => string,
): Promise<Set<string>> {
  return new Set((await localFiles(root, filter, ctx)).map((f) => key(f.relPath)));
}

async function remoteFiles(
  folder: string,
  filter: CompiledFilter,
  ctx: TaskContext<DropboxClient>,
  recursive: boolean,
): Promise<TargetFile[]> {
  const found = await listCandidates(ctx.connection, {
    folder,
    type: 'files',
    recursive,
    dateField: 'modified',
    needFolderDates: false,
    filter,
    signal: ctx.signal,
    onMissing: () => {},
    // Never acted on: a name that cannot come from Dropbox is neither sent nor removed.
    onUnsafe: () => {},
  });
  return found.map((c) => ({
    target: c.path,
    relPath: c.relPath,
    size: c.size ?? 0,
    rev: c.meta['.tag'] === 'file' ? c.meta.rev : undefined,
  }));
}

async function remoteKeys(
  folder: string,
  filter: CompiledFilter,
  ctx: TaskContext<DropboxClient>,
  recursive: boolean,
): Promise<Set<string>> {
  return new Set((await remoteFiles(folder, filter, ctx, recursive)).map((f) => f.relPath));
}

async function removeRemote(
  extra: TargetFile[],
  backup: string | undefined,
  o: SyncOptions,
  r: ResultBuilder,
  ctx: TaskContext<DropboxClient>,
): Promise<void> {
  if (backup === undefined) {
    const items = extra.map((t) => ({ path: t.target, parentRev: t.rev }));
    await deleteListed(ctx.connection, items, r, ctx.signal);
    return;
  }
  for (const t of extra) {
    try {
      // autorename: an earlier backup of the same path is kept beside the new one.
      await ctx.connection.move(t.target, backupPath(o, backup, t), { autorename: true, signal: ctx.signal });
      r.count('backedUp');
    } catch (err) {
      rethrowIfAborted(ctx.signal, err);
      r.fail(t.target, err);
    }
  }
}

async function removeLocal(
  extra: TargetFile[],
  backup: string | undefined,
  o: SyncOptions,
  r: ResultBuilder,
  ctx: TaskContext,
): Promise<void> {
  for (const t of extra) {
    ctx.signal.throwIfAborted();
    try {
      if (backup === undefined) {
        await unlink(t.target);
        r.count('deleted');
        continue;
      }
      const to = await unusedPath(backupPath(o, backup, t));
      await mkdir(dirname(to), { recursive: true });
      await rename(t.target, to).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EXDEV') throw err;
        // Another file system: copy, then remove the original only once the copy is whole.
        await copyFile(t.target, to);
        await unlink(t.target);
      });
      r.count('backedUp');
    } catch (err) {
      rethrowIfAborted(ctx.signal, err);
      r.fail(t.target, err);
    }
  }
}

/** `path`, else `name (1).ext`, `name (2).ext`...: as Dropbox's autorename, an earlier backup is never replaced. */
async function unusedPath(path: string): Promise<string> {
  const ext = extname(path);
  const stem = path.slice(0, path.length - ext.length);
  let candidate = path;
  for (let n = 1; await lstat(candidate).catch(() => undefined); n++) candidate = `${stem} (${n})${ext}`;
  return candidate;
}

/** Dropbox folders below `remote` left empty once `extra` go, from the one listing. */
async function emptiedRemote(
  remote: string,
  extra: TargetFile[],
  listing: SharedListing,
  sourceKeys: Set<string>,
): Promise<EmptiedFolder[]> {
  const children = new Map<string, string[]>();
  const paths = new Map<string, string>();
  for (const m of listing.entries() ?? []) {
    const rel = m['.tag'] === 'deleted' ? undefined : relativeRemote(remote, m.path_display ?? m.path_lower ?? '');
    if (!rel) continue;
    const key = caseKey(rel);
    const parent = key.includes('/') ? key.slice(0, key.lastIndexOf('/')) : '';
    const siblings = children.get(parent);
    if (siblings) siblings.push(key);
    else children.set(parent, [key]);
    paths.set(key, joinRemote(remote, rel));
  }
  // The listing is from before the uploads (listing-once.ts): what they sent is in sourceKeys.
  const keys = await emptiedFolders(
    extra.map((t) => caseKey(t.relPath)),
    sourceKeys,
    (f) => children.get(f) ?? [],
  );
  return keys.map((key) => ({ key, target: paths.get(key) ?? joinRemote(remote, key) }));
}

/** Local folders below `root` left empty once the files at `extraRel` go (a dry run has not downloaded `sent` yet). */
async function emptiedLocal(root: string, extraRel: string[], sent: Set<string>): Promise<EmptiedFolder[]> {
  const keys = await emptiedFolders(extraRel, sent, async (f) =>
    (await readdir(join(root, ...f.split('/')))).map((name) => `${f}/${name}`),
  );
  return keys.map((key) => ({ key, target: join(root, ...key.split('/')) }));
}

/**
 * Deletes the outermost emptied Dropbox folders (the rest go with them), each only once a
 * fresh look finds no file in it: one written there since the listing keeps its folder.
 */
async function removeRemoteFolders(
  emptied: EmptiedFolder[],
  r: ResultBuilder,
  ctx: TaskContext<DropboxClient>,
): Promise<void> {
  const outer = new Set(outermost(emptied.map((f) => f.key)));
  const go: EmptiedFolder[] = [];
  for (const f of emptied.filter((e) => outer.has(e.key))) {
    let hasFile = false;
    for await (const m of ctx.connection.listFolder(f.target, { recursive: true, signal: ctx.signal }))
      if (m['.tag'] === 'file') hasFile = true;
    if (hasFile) r.warn(`kept ${f.target}: it is not empty any more`);
    else go.push(f);
  }
  if (!go.length) return;
  const results = await ctx.connection.deleteBatch(
    go.map((f) => f.target),
    { signal: ctx.signal },
  );
  results.forEach((res, i) => {
    if (res.error) return r.fail(res.path, res.error);
    const key = go[i]!.key;
    r.count('deletedFolders', emptied.filter((e) => e.key === key || e.key.startsWith(key + '/')).length);
  });
}

/** Removes emptied local folders, deepest first; one something was written into stays. */
async function removeLocalFolders(emptied: EmptiedFolder[], r: ResultBuilder, ctx: TaskContext): Promise<void> {
  for (const f of emptied) {
    ctx.signal.throwIfAborted();
    try {
      await rmdir(f.target);
      r.count('deletedFolders');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST') r.warn(`kept ${f.target}: it is not empty any more`);
      else r.fail(f.target, err);
    }
  }
}
