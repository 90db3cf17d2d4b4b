// The `link` option of upload and list: a link per file the run uploaded (or listed),
// made a few at a time, handed on with the file and reported in the task's result.
import { parseDuration, type TaskContext } from '../../../src/plugin.ts';
import { eachLimited } from '../api/each-limited.ts';
import type { DropboxClient, FileLink, FileMetadata, Metadata } from '../api/types.ts';
import type { DropboxEntriesOutput } from './list.ts';
import { HAND_ON_MAX } from './remote-entries.ts';
import { rethrowIfAborted } from './common.ts';
import type { ResultBuilder } from './result.ts';

export type LinkOption = 'temporary' | { shared: { expires?: string; visibility?: 'public' | 'team_only' } };

/** Links made at once: each is one small call through the connection's pacer. */
export const LINKS_IN_FLIGHT = 8;

export function linkProblems(link: LinkOption | undefined): Array<[string, string]> {
  if (link === undefined || link === 'temporary') return [];
  const e = link.shared.expires;
  if (e !== undefined && !parseDuration(e)) return [['link.shared.expires', 'must be a duration like 7d, 12h or 2w']];
  return [];
}

/**
 * Makes `link` for each path, in order; a file whose link fails is a failure of the
 * task (after the rest), its transfer stays done. Resolves to one link (or undefined) per path.
 */
export async function makeLinks(
  link: LinkOption,
  paths: string[],
  r: ResultBuilder,
  ctx: TaskContext<DropboxClient>,
): Promise<Array<FileLink | undefined>> {
  const out: Array<FileLink | undefined> = paths.map(() => undefined);
  const ms = link === 'temporary' ? undefined : parseDuration(link.shared.expires ?? '');
  await eachLimited(
    paths.length,
    LINKS_IN_FLIGHT,
    async (i) => {
      const path = paths[i]!;
      try {
        out[i] =
          link === 'temporary'
            ? await ctx.connection.temporaryLink(path, { signal: ctx.signal })
            : await ctx.connection.sharedLink(
                path,
                {
                  ...(link.shared.visibility ? { visibility: link.shared.visibility } : {}),
                  ...(ms ? { expires: new Date(ctx.vars.now.getTime() + ms) } : {}),
                },
                { signal: ctx.signal },
              );
      } catch (err) {
        rethrowIfAborted(ctx.signal, err);
        r.fail(path, err);
      }
    },
    ctx.signal,
  );
  paths.forEach((path, i) => {
    const l = out[i];
    if (!l) return;
    r.count('links');
    r.link(path, l.url, l.expires);
  });
  return out;
}

/**
 * The files as list hands them on (path order, at most HAND_ON_MAX), each with its
 * link. Past HAND_ON_MAX the rest get no link: a warning says how many.
 */
export async function withLinks(
  link: LinkOption,
  files: Metadata[],
  root: string,
  r: ResultBuilder,
  ctx: TaskContext<DropboxClient>,
): Promise<DropboxEntriesOutput> {
  const sorted = [...files].sort((a, b) => (pathOf(a) < pathOf(b) ? -1 : pathOf(a) > pathOf(b) ? 1 : 0));
  const items = sorted.slice(0, HAND_ON_MAX);
  if (sorted.length > items.length)
    r.warn(`links made for the first ${HAND_ON_MAX} files only, not for ${sorted.length - items.length} more`);
  const wanted = items.filter((m): m is FileMetadata => m['.tag'] === 'file');
  const links = await makeLinks(link, wanted.map(pathOf), r, ctx);
  const byFile = new Map<Metadata, FileLink | undefined>(wanted.map((m, i) => [m, links[i]]));
  const output: DropboxEntriesOutput = {
    kind: 'dropbox-entries',
    items: items.map((m) => {
      const l = byFile.get(m);
      return l ? { ...m, link: l } : m;
    }),
    root,
  };
  if (sorted.length > items.length) output.matched = sorted.length;
  return output;
}

const pathOf = (m: Metadata) => m.path_display ?? m.path_lower ?? '';
