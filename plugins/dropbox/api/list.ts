// Listings page by page: list_folder then list_folder/continue while has_more, and
// search_v2 then search/continue_v2. Only one page is held at a time. A listing that
// cannot be finished throws IncompleteListingError: a short list must never pass for
// the whole folder (deletes and syncs act on it; PAINPOINTS L2, D3).
import type { Transport } from './http.ts';
import { DropboxError, IncompleteListingError } from './errors.ts';
import type { ListOptions, Metadata } from './types.ts';

const REMEMBER_MAX = 200_000;

/** A continue call failed mid-listing: `what` says how far it got, `err` why it stopped. */
function incomplete(route: string, what: string, err: unknown): IncompleteListingError {
  const why = err instanceof Error ? err.message : String(err);
  return new IncompleteListingError(`${what}: ${why}`, {
    route,
    tags: err instanceof DropboxError ? err.tags : [],
    status: err instanceof DropboxError ? err.status : 0,
    requestId: err instanceof DropboxError ? err.requestId : undefined,
    cause: err,
  });
}

interface Page {
  entries: Metadata[];
  cursor: string;
  has_more: boolean;
}

export async function* listFolderPages(t: Transport, path: string, opts: ListOptions): AsyncGenerator<Metadata> {
  const arg: Record<string, unknown> = {
    path,
    recursive: opts.recursive ?? false,
    include_deleted: opts.includeDeleted ?? false,
  };
  if (opts.limit !== undefined) arg.limit = Math.max(1, Math.min(2000, Math.floor(opts.limit)));
  let restarted = false;
  // After a `reset` the listing starts over once; entries already handed out are then
  // skipped by path_lower. So the names (not the metadata) of handed-out entries are
  // kept, up to REMEMBER_MAX; a reset past that is an error rather than duplicates or
  // unbounded memory. They are kept as one JSON array per page, not a string each:
  // 100,000 names held as strings were ~5 MB more live heap for the whole listing, and
  // V8 lets the heap grow to a multiple of what is live (peak RSS, issue 13).
  let seen: Set<string> | undefined;
  let yielded = 0;
  let remembered = 0;
  const given: string[] = [];
  for (;;) {
    let page = (
      await t.send<Page>({
        route: 'files/list_folder',
        style: 'rpc',
        arg,
        idempotency: 'safe',
        paths: [path],
        signal: opts.signal,
      })
    ).result;
    for (;;) {
      // The next page is asked for before this one is handed out, so it travels while
      // the caller works (a report row per entry, a spill to disk): the listing then
      // takes the network's time, not the network's plus the caller's. At most two
      // pages are held. Its failure is caught here and thrown where it is awaited.
      const next =
        page.has_more && page.cursor
          ? t.send<Page>({
              route: 'files/list_folder/continue',
              style: 'rpc',
              arg: { cursor: page.cursor },
              idempotency: 'safe',
              paths: [path],
              signal: opts.signal,
            })
          : undefined;
      next?.catch(() => {});
      const pageKeys: string[] = [];
      for (const e of page.entries) {
        const key = e.path_lower ?? e.name;
        if (seen?.has(key)) continue;
        if (!restarted && remembered < REMEMBER_MAX) {
          pageKeys.push(key);
          remembered++;
        }
        yielded++;
        yield e;
      }
      if (pageKeys.length) given.push(JSON.stringify(pageKeys));
      // Let this page's entries go while the next one is awaited: held through that
      // wait, every page outlived the young generation and a 100,000-entry listing
      // piled ~50 dead pages into the old one before a full GC (peak RSS, issue 13).
      const more = page.has_more;
      page.entries = [];
      if (!more) return;
      if (!next)
        throw new IncompleteListingError(
          `files/list_folder: listing of ${JSON.stringify(path)} stopped after ${yielded} entries: has_more without a cursor`,
          { route: 'files/list_folder/continue' },
        );
      try {
        page = (await next).result;
      } catch (err) {
        if (err instanceof DropboxError && err.tags[0] === 'reset' && !restarted && yielded <= REMEMBER_MAX) {
          break; // the only way out of this loop that is not a return or a throw
        }
        if (opts.signal?.aborted) throw err;
        throw incomplete(
          'files/list_folder/continue',
          `files/list_folder: listing of ${JSON.stringify(path)} is incomplete after ${yielded} entries`,
          err,
        );
      }
    }
    restarted = true;
    seen = new Set(given.flatMap((keys) => JSON.parse(keys) as string[]));
    given.length = 0;
  }
}

interface SearchPage {
  matches: Array<{ metadata: { '.tag': string; metadata?: Metadata } }>;
  has_more: boolean;
  cursor?: string;
}

export async function* searchPages(
  t: Transport,
  query: string,
  options: Record<string, unknown>,
  signal?: AbortSignal,
): AsyncGenerator<Metadata> {
  let page = (
    await t.send<SearchPage>({
      route: 'files/search_v2',
      style: 'rpc',
      arg: { query, options },
      idempotency: 'safe',
      signal,
    })
  ).result;
  let n = 0;
  for (;;) {
    for (const m of page.matches) {
      const md = m.metadata?.metadata ?? (m.metadata as unknown as Metadata);
      if (md) {
        n++;
        yield md;
      }
    }
    if (!page.has_more || !page.cursor) return;
    try {
      page = (
        await t.send<SearchPage>({
          route: 'files/search/continue_v2',
          style: 'rpc',
          arg: { cursor: page.cursor },
          idempotency: 'safe',
          signal,
        })
      ).result;
    } catch (err) {
      if (signal?.aborted) throw err;
      throw incomplete(
        'files/search/continue_v2',
        `files/search_v2: search for ${JSON.stringify(query)} is incomplete after ${n} matches`,
        err,
      );
    }
  }
}
