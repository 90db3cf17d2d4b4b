// copy and move: Dropbox files -> another Dropbox folder, server-side (copy_v2 /
// move_v2 for one file, copy_batch_v2 / move_batch_v2 for more); no byte passes
// through dropcron. Sources are listed (or taken from the task before), filtered by the
// same masks as download; each target is judged by the same overwrite policies, with
// Dropbox's content_hash on both sides, so 'if-different' never copies an unchanged
// file. Dropbox cannot copy over an existing file: a replacement deletes the target
// (only the version that was judged, parent_rev) and then copies, and a failed copy
// leaves the old target restorable from the trash. With `autorename`, the target is
// kept and the copy lands beside it under Dropbox's free name ("a (1).txt").
// `from` and `to` may name a folder by namespace (ns:<id>[/path]): across Business
// namespaces (team folders, member folders) files copy and move like anywhere else.
import type { TaskType } from '../../../src/plugin.ts';
import type { DropboxClient, FileMetadata, Metadata } from '../api/types.ts';
import { DropboxError } from '../api/errors.ts';
import { pluginError } from '../error-codes.ts';
import { expand, placeholderProblems, varsOf } from './common.ts';
import { compileFilter, filterProblems, sortAndLimit, type FilterOptions } from './filters.ts';
import type { DropboxEntriesOutput } from './list.ts';
import { decide, type OverwritePolicy, type Side } from './overwrite.ts';
import { listCandidates, previousCandidates, type DateField, type RemoteCandidate } from './remote-entries.ts';
import { ResultBuilder } from './result.ts';
import { caseKey, joinRemote, namespaceOf, normalizeNamespaced, relativeRemote } from './remote-paths.ts';
import { copySchema, moveSchema } from './task-schemas.ts';

export interface RelocateOptions extends FilterOptions {
  from: string;
  to: string;
  dateField: DateField;
  overwrite: OverwritePolicy;
  autorename: boolean;
}

type Op = 'copy' | 'move';

interface Planned {
  c: RemoteCandidate;
  to: string;
  /** The target this copy replaces (deleted first); absent for a new name or autorename. */
  replaces?: FileMetadata;
}

function relocateTask(op: Op): TaskType<RelocateOptions, DropboxClient> {
  const done = op === 'copy' ? 'copied' : 'moved';
  return {
    name: op,
    schema: op === 'copy' ? copySchema : moveSchema,
    check(o) {
      const from = o.from === 'previous' ? [] : folderProblems('from', o.from);
      return [...filterProblems(o), ...from, ...folderProblems('to', o.to)];
    },
    async run(o, ctx) {
      const r = new ResultBuilder(ctx.connection);
      const vars = varsOf(ctx);
      const to = await resolveFolder(ctx.connection, expand(o.to, ctx), ctx.signal);
      const unsafe = (path: string, why: string) => {
        r.warn(`skipped ${JSON.stringify(path)}: unsafe name, ${why}`);
        r.count('unsafe');
        r.act('skip', path, `unsafe name: ${why}`);
      };
      let found: RemoteCandidate[];
      let from: string | undefined;
      if (o.from === 'previous') {
        found = previousCandidates(ctx.input, {
          option: 'from',
          type: 'files',
          dateField: o.dateField,
          filter: compileFilter({ ...o, recursive: true }, vars.now, vars.timezone),
          onUnsafe: unsafe,
        });
      } else {
        from = await resolveFolder(ctx.connection, expand(o.from, ctx), ctx.signal);
        if (relativeRemote(from, to) !== undefined)
          throw pluginError('DBX_TASK_INPUT', `${op}: to (${to || '/'}) is inside from (${from || '/'})`);
        found = await listCandidates(ctx.connection, {
          folder: from,
          type: 'files',
          recursive: o.recursive === true,
          dateField: o.dateField,
          needFolderDates: false,
          filter: compileFilter(o, vars.now, vars.timezone),
          signal: ctx.signal,
          onMissing: (folder) => r.warn(`${folder} does not exist: nothing to ${op}`),
          onUnsafe: unsafe,
        });
      }
      const matches = sortAndLimit(
        found.sort((a, b) => (a.relPath < b.relPath ? -1 : 1)),
        o,
      );
      const existing = await targetFiles(ctx.connection, to, matches, ctx.signal);

      const plan: Planned[] = [];
      for (const c of matches) {
        const src = c.meta as FileMetadata;
        const target = joinRemote(to, c.relPath);
        if (caseKey(target) === caseKey(c.path)) {
          r.count('skipped');
          r.act('skip', c.path, 'source and target are the same');
          continue;
        }
        const dst = existing.get(caseKey(target));
        if (dst && dst['.tag'] !== 'file') {
          r.count('skipped');
          r.act('skip', c.path, `a folder exists at ${target}`);
          continue;
        }
        const d = await decide(o.overwrite, side(src), dst && side(dst));
        if (!d.transfer) {
          r.count('skipped');
          r.act('skip', c.path, `${d.reason}, at ${target}`);
          continue;
        }
        const beside = dst && o.autorename;
        plan.push({ c, to: target, ...(dst && !beside ? { replaces: dst } : {}) });
        r.act(op, c.path, `${d.reason}, to ${target}${beside ? ' (autorename: beside the existing file)' : ''}`);
      }
      if (ctx.dryRun) {
        r.count(op === 'copy' ? 'wouldCopy' : 'wouldMove', plan.length);
        return r.finish();
      }

      const go = await clearTargets(ctx.connection, plan, r, ctx.signal);
      const outcomes =
        go.length === 1
          ? [await single(ctx.connection, op, go[0]!, o.autorename, ctx.signal)]
          : await ctx.connection.relocateBatch(
              op,
              go.map((p) => ({ from: p.c.path, to: p.to })),
              { autorename: o.autorename, signal: ctx.signal },
            );
      const items: Metadata[] = [];
      for (const res of outcomes) {
        if (res.error) {
          if (ctx.signal.aborted) throw res.error;
          r.fail(res.from, res.error);
          continue;
        }
        r.count(done);
        // Server-side: the file is counted, no byte crossed the wire.
        r.moved(0);
        if (res.metadata) items.push(res.metadata);
      }
      const output: DropboxEntriesOutput = { kind: 'dropbox-entries', items, root: to };
      return r.finish(output);
    },
  };
}

export const copyTask = relocateTask('copy');
export const moveTask = relocateTask('move');

function folderProblems(key: string, text: string): Array<[string, string]> {
  const r = normalizeNamespaced(text);
  return 'problem' in r ? [[key, r.problem]] : placeholderProblems(key, text);
}

/**
 * The folder as this connection's listings show it: an ns:<id>[/path] becomes the path its
 * namespace is at (listed entries carry paths, not namespace ids). A namespace outside the
 * connection's root has no path there: Dropbox answers not_found or leaves the path out.
 */
async function resolveFolder(client: DropboxClient, text: string, signal: AbortSignal): Promise<string> {
  const r = normalizeNamespaced(text);
  if ('problem' in r) throw pluginError('DBX_TASK_INPUT', r.problem);
  const ns = namespaceOf(r.path);
  if (!ns) return r.path;
  const top = await client.getMetadata(ns.ns, { signal });
  const at = top?.['.tag'] === 'folder' ? top.path_display : undefined;
  if (!at)
    throw pluginError(
      'DBX_TASK_INPUT',
      `${ns.ns} is not a folder under this connection's root; for team folders set business.pathRoot: team (they are then top-level folders) and check the namespace id`,
    );
  return at + ns.rest;
}

function side(m: FileMetadata): Side {
  return { size: m.size, modified: new Date(m.client_modified), hash: async () => m.content_hash };
}

/**
 * The files and folders at the targets, by case key: one listing of `to`, recursive
 * only when a match sits in a sub folder. A missing `to` has nothing in it.
 */
async function targetFiles(
  client: DropboxClient,
  to: string,
  matches: RemoteCandidate[],
  signal: AbortSignal,
): Promise<Map<string, Metadata>> {
  const out = new Map<string, Metadata>();
  if (!matches.length) return out;
  if (to !== '') {
    const top = await client.getMetadata(to, { signal });
    if (!top) return out;
    if (top['.tag'] === 'file') throw pluginError('DBX_TASK_INPUT', `${to} is a file, not a folder`);
  }
  const recursive = matches.some((c) => c.relPath.includes('/'));
  for await (const m of client.listFolder(to, { recursive, signal })) {
    const p = m.path_display ?? m.path_lower;
    if (p && m['.tag'] !== 'deleted') out.set(caseKey(p), m);
  }
  return out;
}

/**
 * Deletes the targets to be replaced, each only while it is the version judged; one
 * that changed since is kept (with a warning) and its copy is not made.
 */
async function clearTargets(
  client: DropboxClient,
  plan: Planned[],
  r: ResultBuilder,
  signal: AbortSignal,
): Promise<Planned[]> {
  const replacing = plan.filter((p) => p.replaces);
  if (!replacing.length) return plan;
  const results = await client.deleteBatch(
    replacing.map((p) => ({ path: p.to, parentRev: p.replaces!.rev })),
    { signal },
  );
  const blocked = new Set<string>();
  results.forEach((res, i) => {
    if (!res.error) return r.count('replaced');
    const p = replacing[i]!;
    blocked.add(p.to);
    if (res.error instanceof DropboxError && res.error.mentions('conflict')) {
      r.warn(`kept ${p.to}: it changed in Dropbox after it was listed, so ${p.c.path} was not written over it`);
      r.count('changedSinceListing');
    } else r.fail(p.c.path, res.error);
  });
  return plan.filter((p) => !blocked.has(p.to));
}

async function single(
  client: DropboxClient,
  op: Op,
  p: Planned,
  autorename: boolean,
  signal: AbortSignal,
): Promise<{ from: string; to: string; metadata?: Metadata; error?: Error }> {
  const one = { from: p.c.path, to: p.to };
  try {
    const opts = { autorename, signal };
    return {
      ...one,
      metadata: await (op === 'copy' ? client.copy(one.from, one.to, opts) : client.move(one.from, one.to, opts)),
    };
  } catch (err) {
    return { ...one, error: err as Error };
  }
}
