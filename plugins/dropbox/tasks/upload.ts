// upload: local folders -> a Dropbox folder. The plan (what to upload and why) is made
// in full before anything moves, so a dry run shows exactly what a real run would do.
import { pluginError } from '../error-codes.ts';
import { stat, unlink } from 'node:fs/promises';
import { basename } from 'node:path';
import { localFilesOf, type TaskContext, type TaskType } from '../../../src/plugin.ts';
import type { DropboxClient, FileMetadata, FolderMetadata, UploadManyItem } from '../api/types.ts';
import {
  expand,
  localContentHash,
  placeholderProblems,
  remotePathProblems,
  rethrowIfAborted,
  varsOf,
} from './common.ts';
import { compileFilter, filterProblems, sortAndLimit, type FilterOptions } from './filters.ts';
import { refusedName } from './ignore.ts';
import { resolveLocal, walkLocal, type LocalFile } from './local-paths.ts';
import { arrivedUnder, outsideAll } from './arrived-files.ts';
import { decide, type OverwritePolicy } from './overwrite.ts';
import { ResultBuilder } from './result.ts';
import { linkProblems, withLinks, type LinkOption } from './links.ts';
import { caseKey, joinRemote, relativeRemote, remoteOrThrow } from './remote-paths.ts';
import { uploadSchema } from './task-schemas.ts';

export interface UploadOptions extends FilterOptions {
  from: string | string[];
  to: string;
  overwrite: OverwritePolicy;
  keepModified: boolean;
  deleteSource: boolean;
  link?: LinkOption;
}

/** Files up to this size go through uploadMany (one commit for many); larger ones alone. */
export const BATCH_FILE_LIMIT = 8 * 1024 * 1024;
/** Files per uploadMany call: bounds memory and gives progress between batches. */
const BATCH_COUNT = 500;

interface Planned {
  file: LocalFile;
  remote: string;
  exists: boolean;
  /** Computed while planning (if-different with equal sizes); reused for deleteSource. */
  hash?: string;
}

export const uploadTask: TaskType<UploadOptions, DropboxClient> = {
  name: 'upload',
  schema: uploadSchema,
  check(o) {
    const out = [...filterProblems(o), ...remotePathProblems('to', o.to), ...linkProblems(o.link)];
    const froms = typeof o.from === 'string' ? [o.from] : (o.from ?? []);
    froms.forEach((f, i) => out.push(...placeholderProblems(typeof o.from === 'string' ? 'from' : `from[${i}]`, f)));
    const names = froms.map((f) => basename(f).toLowerCase());
    if (froms.length > 1 && new Set(names).size !== names.length) {
      out.push([
        'from',
        'several source folders have the same name; each goes to a sub folder of `to` named after it, so they would mix',
      ]);
    }
    return out;
  },
  async run(o, ctx) {
    const r = new ResultBuilder(ctx.connection);
    const vars = varsOf(ctx);
    const policy = o.overwrite;
    const to = remoteOrThrow(expand(o.to, ctx));
    const filter = compileFilter(o, vars.now, vars.timezone);
    const froms = typeof o.from === 'string' ? [o.from] : o.from;

    // 1. Local files that pass the filters and that Dropbox would accept. After a `local`
    // trigger, only the files it saw arrive.
    const arrived = localFilesOf(ctx.input);
    const roots: string[] = [];
    let files: Array<LocalFile & { remoteRel: string }> = [];
    for (const from of froms) {
      const root = resolveLocal(expand(from, ctx), vars.baseDir);
      roots.push(root);
      const st = await stat(root).catch(() => undefined);
      if (!st?.isDirectory())
        throw pluginError('DBX_TASK_INPUT', `source folder ${root} ${st ? 'is not a folder' : 'does not exist'}`);
      const prefix = froms.length > 1 ? basename(root) + '/' : '';
      const walk = { descend: filter.descend, warn: (m: string) => r.warn(m), signal: ctx.signal };
      for await (const f of arrived ? arrivedUnder(root, arrived, walk) : walkLocal(root, walk)) {
        if (!filter.accepts(f)) continue;
        const refused = f.relPath
          .split('/')
          .map(refusedName)
          .find((x) => x);
        if (refused) {
          r.warn(`skipped ${f.abs}: ${refused}`);
          r.count('ignored');
          r.act('skip', f.abs, refused);
          continue;
        }
        files.push({ ...f, remoteRel: prefix + f.relPath });
      }
    }
    const elsewhere = arrived ? outsideAll(roots, arrived) : [];
    if (elsewhere.length)
      r.warn(
        `${elsewhere.length} arrived file(s) not under \`from\` left alone, e.g. ${elsewhere[0]!.path}: upload sends files from its own folders only`,
      );
    files = sortAndLimit(files, o);

    // 2. Case-only clashes: Dropbox would make A.txt and a.txt one file, so neither goes.
    const byKey = new Map<string, typeof files>();
    for (const f of files) {
      const k = caseKey(f.remoteRel);
      byKey.set(k, [...(byKey.get(k) ?? []), f]);
    }
    const clashing = new Set<LocalFile>();
    for (const group of byKey.values()) {
      if (group.length < 2) continue;
      const names = group.map((g) => g.abs);
      r.warn(
        `case-only clash, not uploaded: ${names.join(', ')} would be the same Dropbox file ${joinRemote(to, group[0]!.remoteRel)}`,
      );
      for (const g of group) {
        clashing.add(g);
        r.count('clashes');
        r.act('skip', g.abs, 'case-only clash with another file in this upload');
      }
    }
    files = files.filter((f) => !clashing.has(f));

    // 3. What is already there: one listing of the target, keeping only paths we need.
    const wanted = new Set(files.map((f) => caseKey(f.remoteRel)));
    const existing = new Map<string, FileMetadata | FolderMetadata>();
    if (files.length) {
      const top = to === '' ? undefined : await ctx.connection.getMetadata(to, { signal: ctx.signal });
      if (top?.['.tag'] === 'file') throw pluginError('DBX_TASK_INPUT', `upload target ${to} is a file, not a folder`);
      if (to === '' || top) {
        const deep = files.some((f) => f.remoteRel.includes('/'));
        for await (const m of ctx.connection.listFolder(to, { recursive: deep, signal: ctx.signal })) {
          if (m['.tag'] === 'deleted') continue;
          const rel = relativeRemote(to, m.path_display ?? m.path_lower ?? '');
          if (rel && wanted.has(caseKey(rel))) existing.set(caseKey(rel), m);
        }
      }
    }

    // 4. Decide per file.
    const plan: Planned[] = [];
    for (const f of files) {
      ctx.signal.throwIfAborted();
      const remote = joinRemote(to, f.remoteRel);
      const there = existing.get(caseKey(f.remoteRel));
      if (there?.['.tag'] === 'folder') {
        r.warn(`skipped ${f.abs}: a folder exists at ${remote}`);
        r.count('skipped');
        r.act('skip', remote, 'a folder exists there');
        continue;
      }
      const p: Planned = { file: f, remote, exists: !!there };
      const d = await decide(
        policy,
        {
          size: f.size,
          modified: f.modified,
          hash: async () => (p.hash ??= await localContentHash(f.abs, f.size, ctx.signal)),
        },
        there && { size: there.size, modified: new Date(there.client_modified), hash: async () => there.content_hash },
      );
      if (d.transfer) {
        plan.push(p);
        r.act('upload', remote, `${d.reason}, from ${f.abs}`, f.size);
      } else {
        r.count('skipped');
        r.act('skip', remote, d.reason);
      }
    }
    if (ctx.dryRun) {
      r.count('wouldUpload', plan.length);
      return r.finish();
    }
    ctx.planned({ files: plan.length, bytes: plan.reduce((n, p) => n + p.file.size, 0) });

    // 5. Transfer: small files in batches (one commit each), large ones streamed alone.
    // Kept only for links: a big upload without them holds no metadata per file.
    const done: FileMetadata[] = [];
    const uploaded = async (p: Planned, meta: FileMetadata) => {
      if (o.link) done.push(meta);
      await verifyAndDelete(p, meta, o, r, ctx);
    };
    const clientModified = (f: LocalFile) => (o.keepModified ? f.modified : vars.now);
    const small = plan.filter((p) => p.file.size <= BATCH_FILE_LIMIT);
    const large = plan.filter((p) => p.file.size > BATCH_FILE_LIMIT);
    for (let i = 0; i < small.length; i += BATCH_COUNT) {
      const chunk = small.slice(i, i + BATCH_COUNT);
      const items: UploadManyItem[] = chunk.map((p) => ({
        localPath: p.file.abs,
        remotePath: p.remote,
        mode: p.exists ? 'overwrite' : 'add',
        clientModified: clientModified(p.file),
      }));
      let results;
      try {
        results = await ctx.connection.uploadMany(items, {
          signal: ctx.signal,
          onProgress: (item, done, total) => ctx.progress({ item: item.remotePath, done, total }),
        });
      } catch (err) {
        rethrowIfAborted(ctx.signal, err);
        for (const p of chunk) r.fail(p.remote, err);
        continue;
      }
      const byRemote = new Map(results.map((x) => [x.item.remotePath, x]));
      for (const p of chunk) {
        const res = byRemote.get(p.remote);
        if (res?.metadata) await uploaded(p, res.metadata);
        else r.fail(p.remote, res?.error ?? new Error('the batch returned no result for it'));
      }
    }
    for (const p of large) {
      try {
        const meta = await ctx.connection.upload(p.file.abs, p.remote, {
          mode: p.exists ? 'overwrite' : 'add',
          clientModified: clientModified(p.file),
          signal: ctx.signal,
          onProgress: (done, total) => ctx.progress({ item: p.remote, done, total }),
        });
        await uploaded(p, meta);
      } catch (err) {
        rethrowIfAborted(ctx.signal, err);
        r.fail(p.remote, err);
      }
    }
    if (!o.link) return r.finish();
    // The uploaded files, with their links, go to the next task and into the result.
    return r.finish(await withLinks(o.link, done, to, r, ctx));
  },
};

/** Counts a finished upload and, when asked, deletes the local file once the copy is proven identical. */
async function verifyAndDelete(
  p: Planned,
  meta: FileMetadata,
  o: UploadOptions,
  r: ResultBuilder,
  ctx: TaskContext<DropboxClient>,
): Promise<void> {
  r.count('uploaded');
  r.moved(p.file.size);
  if (!o.deleteSource) return;
  try {
    const now = await stat(p.file.abs);
    // Changed since it was read: the upload is of an older version, so keep it.
    if (now.size !== p.file.size || now.mtime.getTime() !== p.file.modified.getTime()) {
      r.warn(`kept ${p.file.abs}: it changed during the upload`);
      return;
    }
    const hash = p.hash ?? (await localContentHash(p.file.abs, p.file.size, ctx.signal));
    if (meta.size !== p.file.size || !meta.content_hash || meta.content_hash !== hash) {
      r.fail(
        p.file.abs,
        new Error(
          `not deleted: Dropbox's copy ${p.remote} does not match (size ${meta.size}, hash ${meta.content_hash ?? 'none'})`,
        ),
      );
      return;
    }
    await unlink(p.file.abs);
    r.count('deletedSource');
    r.act('delete-local', p.file.abs, `uploaded and verified as ${p.remote}`);
  } catch (err) {
    rethrowIfAborted(ctx.signal, err);
    r.fail(p.file.abs, err);
  }
}
