// One Dropbox listing shared by the tasks a sync runs. The transfer (upload or
// download, reused whole) lists the Dropbox folder to decide what to send; the sync
// then needs the same listing to find extraneous files and emptied folders. Listing it
// again doubled the calls and the time for a large mirror, so the connection handed
// to the transfer records its listing of that folder and replays it to later callers.
// A listing from before the transfer is the right one for the removals: what the
// transfer wrote comes from the source, so it is never extraneous.
import type { DropboxClient, ListOptions, Metadata } from '../api/types.ts';
import { caseKey, relativeRemote } from './remote-paths.ts';

export interface SharedListing {
  /** The connection to use: listings of `folder` are made once, the rest is the real client. */
  client: DropboxClient;
  /** Every entry of the one listing, once a listing has run to its end; else undefined. */
  entries(): readonly Metadata[] | undefined;
}

/** Shares the listing of `folder` (`recursive` as the sync needs it) between its callers. */
export function shareListing(real: DropboxClient, folder: string, recursive: boolean): SharedListing {
  let recorded: Metadata[] | undefined;
  const key = caseKey(folder);

  async function* listOnce(opts: ListOptions): AsyncGenerator<Metadata> {
    const shallow = (m: Metadata) => {
      const rel = relativeRemote(folder, m.path_lower ?? m.path_display ?? '');
      return rel !== undefined && rel !== '' && !rel.includes('/');
    };
    const wanted = (m: Metadata) => opts.recursive === true || shallow(m);
    if (recorded) {
      for (const m of recorded) if (wanted(m)) yield m;
      return;
    }
    const got: Metadata[] = [];
    for await (const m of real.listFolder(folder, { ...opts, recursive })) {
      got.push(m);
      if (wanted(m)) yield m;
    }
    // Only a listing that ran to its end is replayed: a caller that stopped early, or a
    // page that failed, leaves the next caller to list for itself.
    recorded = got;
  }

  const client = new Proxy(real, {
    get(target, prop) {
      if (prop === 'listFolder') {
        return (path: string, opts: ListOptions = {}) =>
          caseKey(path) === key && !opts.includeDeleted && !(opts.recursive && !recursive)
            ? listOnce(opts)
            : target.listFolder(path, opts);
      }
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { client, entries: () => recorded };
}
