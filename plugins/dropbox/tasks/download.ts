// download: Dropbox files -> a local folder. Remote names are untrusted input: each is
// checked by localPathFor() and a name that could leave the target folder is skipped
// with a warning, never followed. The connector writes to a part file and renames, so
// the target is never half-written; a part left by a killed or failed run is resumed by
// the next download of the same rev, and removed at the end of a download into its
// folder once nothing wants it. Several files move at once (DOWNLOADS_IN_FLIGHT), every
// call through the connection's pacer; the result lists them in listing order all the same.
// The files downloaded are handed on as list hands on its matches (skipped, failed and
// exported ones left out), so `delete: { path: previous }` removes exactly those.
import { lstat, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TaskType } from '../../../src/plugin.ts';
import type { DropboxClient, FileMetadata, Metadata } from '../api/types.ts';
import { DropboxError } from '../api/errors.ts';
import { expand, localContentHash, placeholderProblems, rethrowIfAborted, varsOf } from './common.ts';
import { compileFilter, filterProblems, sortAndLimit, type FilterOptions } from './filters.ts';
import { foldersUnder, localPathFor, resolveLocal } from './local-paths.ts';
import { removeOrphanParts } from '../api/part-files.ts';
import { eachLimited } from '../api/each-limited.ts';
import { decide, type OverwritePolicy } from './overwrite.ts';
import { listCandidates, previousCandidates, type DateField, type RemoteCandidate } from './remote-entries.ts';
import type { DropboxEntriesOutput } from './list.ts';
import { ResultBuilder } from './result.ts';
import { remoteOrThrow, normalizeRemote } from './remote-paths.ts';
import { downloadSchema } from './task-schemas.ts';
import { exported, exportPlan, type ExportChoice } from './export.ts';

/**
 * Files downloaded at once, as uploadMany's files in flight. With the emulator's latency:
 * 1000 x 16 KiB at 40 ms took 57.7 s one at a time, 12.4 s with 4 and 10.0-10.5 s with
 * 8 to 64 (the pacer's 10 ms spacing caps calls at 100/s); 500 x 16 KiB at 300 ms took
 * 20.6 s with 8, 10.3 s with 16, 6.9 s with 32, 5.3 s with 64. 32 x 32 MiB files at once
 * peaked 82 MiB above idle with 32 (emulator in the same process included; 1 at a time:
 * 24): about 1.9 MiB a file, so 64 would buy 1.5 s at 300 ms for ~60 MiB more.
 */
export const DOWNLOADS_IN_FLIGHT = 32;

export interface DownloadOptions extends FilterOptions {
  from: string;
  to: string;
  dateField: DateField;
  overwrite: OverwritePolicy;
  keepModified: boolean;
  deleteSource: boolean;
  /**
   * Left out by callers other than the job file (sync): skip, so no exported copy appears
   * that a sync would take for a local file. Job files get the schema's default.
   */
  export?: ExportChoice;
}

export const downloadTask: TaskType<DownloadOptions, DropboxClient> = {
  name: 'download',
  schema: downloadSchema,
  check(o) {
    const out = [...filterProblems(o), ...placeholderProblems('to', o.to)];
    if (o.from !== 'previous' && o.from !== undefined) {
      const n = normalizeRemote(o.from);
      if ('problem' in n) out.push(['from', n.problem]);
      else out.push(...placeholderProblems('from', o.from));
    }
    return out;
  },
  async run(o, ctx) {
    const r = new ResultBuilder(ctx.connection);
    const vars = varsOf(ctx);
    const { overwrite: policy, dateField } = o;
    const target = resolveLocal(expand(o.to, ctx), vars.baseDir);

    const unsafe = (path: string, why: string) => {
      r.warn(`skipped ${JSON.stringify(path)}: unsafe name, ${why}`);
      r.count('unsafe');
      r.act('skip', path, `unsafe name: ${why}`);
    };
    let found: RemoteCandidate[];
    // What the handed-on paths are relative to, as the entries' own root was.
    let root: string;
    if (o.from === 'previous') {
      root = (ctx.input as DropboxEntriesOutput | undefined)?.root ?? '';
      found = previousCandidates(ctx.input, {
        option: 'from',
        type: 'files',
        dateField,
        filter: compileFilter({ ...o, recursive: true }, vars.now, vars.timezone),
        onUnsafe: unsafe,
      });
    } else {
      root = remoteOrThrow(expand(o.from, ctx));
      found = await listCandidates(ctx.connection, {
        folder: root,
        type: 'files',
        recursive: o.recursive === true,
        dateField,
        needFolderDates: false,
        filter: compileFilter(o, vars.now, vars.timezone),
        signal: ctx.signal,
        onMissing: (folder) => r.warn(`${folder} does not exist: nothing to download`),
        onUnsafe: unsafe,
      });
    }
    const matches = sortAndLimit(
      found.sort((a, b) => (a.relPath < b.relPath ? -1 : 1)),
      o,
    );

    const plan: Array<{ c: RemoteCandidate; local: string; exportAs?: string }> = [];
    for (const c of matches) {
      ctx.signal.throwIfAborted();
      const meta = c.meta as FileMetadata;
      const where = localPathFor(target, c.relPath);
      if ('problem' in where) {
        unsafe(c.path, where.problem);
        continue;
      }
      let local = where.path;
      let exportAs: string | undefined;
      if (meta.is_downloadable === false) {
        const e = exportPlan(meta, o.export ?? 'skip', local);
        if ('skip' in e) {
          r.warn(`skipped ${c.path}: ${e.skip}`);
          r.count('skipped');
          r.act('skip', c.path, e.skip);
          continue;
        }
        ({ local, format: exportAs } = e);
      }
      const st = await lstat(local).catch(() => undefined);
      if (st && !st.isFile()) {
        const what = st.isSymbolicLink()
          ? 'a symbolic link (not written through)'
          : st.isDirectory()
            ? 'a folder'
            : 'not a regular file';
        r.warn(`skipped ${c.path}: ${local} is ${what}`);
        r.count('skipped');
        r.act('skip', c.path, `local target is ${what}`);
        continue;
      }
      const d = await decide(
        policy,
        { size: meta.size, modified: new Date(meta.client_modified), hash: async () => meta.content_hash },
        st && { size: st.size, modified: st.mtime, hash: () => localContentHash(local, st.size, ctx.signal) },
      );
      if (d.transfer) {
        plan.push(exportAs ? { c, local, exportAs } : { c, local });
        r.act(exportAs ? 'export' : 'download', c.path, `${d.reason}, to ${local}`, meta.size);
      } else {
        r.count('skipped');
        r.act('skip', c.path, d.reason);
      }
    }
    /** The entries handed on, in listing order. */
    const handOn = (items: Metadata[]): DropboxEntriesOutput => ({ kind: 'dropbox-entries', items, root });
    if (ctx.dryRun) {
      r.count('wouldDownload', plan.length);
      // What would be downloaded, so the next task's dry run plans with it.
      return r.finish(handOn(plan.filter((p) => !p.exportAs).map((p) => p.c.meta)));
    }
    ctx.planned({ files: plan.length, bytes: plan.reduce((n, p) => n + (p.c.meta as FileMetadata).size, 0) });

    // Parts of planned files that fail now stay, to be resumed by the next run.
    const wanted = new Set(plan.map(({ c, local }) => partKey(local, (c.meta as FileMetadata).rev)));
    // Each file records into its own result, appended to the task's in listing order once
    // every file listed before it has settled: the result reads the same whichever file
    // finished first, and only the files waiting on a slower earlier one are held apart.
    const waiting = new Map<number, ResultBuilder>();
    // By plan index, as the version downloaded: a later delete takes exactly that one (parent_rev).
    const downloaded: Array<FileMetadata | undefined> = [];
    let merged = 0;
    await eachLimited(
      plan.length,
      DOWNLOADS_IN_FLIGHT,
      async (i) => {
        const { c, local, exportAs } = plan[i]!;
        const fr = new ResultBuilder();
        const listed = c.meta as FileMetadata;
        try {
          await mkdir(dirname(local), { recursive: true });
          if (exportAs) await exported(c.path, exportAs, local, fr, ctx);
          else {
            const meta = await ctx.connection.download(c.path, local, {
              rev: listed.rev,
              keepModified: o.keepModified,
              signal: ctx.signal,
              onProgress: (done, total) => ctx.progress({ item: c.path, done, total }),
            });
            fr.count('downloaded');
            fr.moved(meta.size);
            downloaded[i] = meta;
            if (o.deleteSource) await deleteVerified(c.path, local, listed, meta, fr, ctx);
          }
        } catch (err) {
          rethrowIfAborted(ctx.signal, err);
          fr.fail(c.path, err);
        }
        waiting.set(i, fr);
        for (let next = waiting.get(merged); next; next = waiting.get(merged)) {
          r.absorb(next);
          waiting.delete(merged++);
        }
      },
      ctx.signal,
    );
    const folders = o.recursive || o.from === 'previous' ? await foldersUnder(target) : [target];
    const removed = await removeOrphanParts(folders, (local, rev) => wanted.has(partKey(local, rev)));
    for (const path of removed) r.act('delete-local', path, 'part file of a download no run will resume');
    if (removed.length) r.count('partFilesRemoved', removed.length);
    return r.finish(handOn(downloaded.filter((m) => m !== undefined)));
  },
};

const partKey = (local: string, rev: string) => `${rev}\0${local}`;

/** Deletes the Dropbox file only when the local copy is proven to be the version listed. */
async function deleteVerified(
  path: string,
  local: string,
  listed: FileMetadata,
  got: FileMetadata,
  r: ResultBuilder,
  ctx: Parameters<typeof downloadTask.run>[1],
): Promise<void> {
  const st = await lstat(local);
  const hash = await localContentHash(local, st.size, ctx.signal);
  if (got.rev !== listed.rev) {
    r.warn(`kept ${path} in Dropbox: it changed between listing and download (rev ${listed.rev} -> ${got.rev})`);
    return;
  }
  if (st.size !== got.size || !got.content_hash || hash !== got.content_hash) {
    r.fail(
      path,
      new Error(`not deleted from Dropbox: the local copy ${local} does not match (size ${st.size}/${got.size})`),
    );
    return;
  }
  try {
    // parent_rev: if the file changed in Dropbox after our download, Dropbox refuses
    // the delete instead of removing a version we do not have.
    await ctx.connection.delete(path, { signal: ctx.signal, parentRev: got.rev });
  } catch (err) {
    if (err instanceof DropboxError && err.mentions('conflict')) {
      r.warn(`kept ${path} in Dropbox: it changed after the download (no longer rev ${got.rev})`);
      return;
    }
    throw err;
  }
  r.count('deletedSource');
  r.act('delete-remote', path, `downloaded and verified as ${local}`);
}
