// Watching a folder: a cursor at its present state (list_folder/get_latest_cursor), a
// long poll on the notify host that answers when something under it changed
// (list_folder/longpoll, no token: the cursor is the credential), and the changes
// themselves (list_folder/continue). A cursor Dropbox no longer knows answers `reset`
// (a DropboxError tagged so): the caller starts again from a fresh one.
import type { Transport } from './http.ts';
import { IncompleteListingError } from './errors.ts';
import type { CallOptions, Metadata } from './types.ts';

/** What a long poll said: whether to read the changes, and how long to wait before polling again. */
export interface PollAnswer {
  changes: boolean;
  /** Seconds Dropbox asks the client to wait before the next long poll. */
  backoff?: number;
}

export interface Changes {
  entries: Metadata[];
  /** The position after them, for the next long poll. */
  cursor: string;
}

/**
 * The long poll's timeout, seconds: Dropbox's least (it adds up to 90 s of jitter). A
 * short poll is cheap (no token, no quota) and stays inside proxies' idle timeouts.
 */
export const LONGPOLL_SECONDS = 30;

export async function latestCursor(
  t: Transport,
  path: string,
  opts: CallOptions & { recursive?: boolean } = {},
): Promise<string> {
  const res = await t.send<{ cursor: string }>({
    route: 'files/list_folder/get_latest_cursor',
    style: 'rpc',
    arg: { path, recursive: opts.recursive ?? false, include_deleted: true },
    idempotency: 'safe',
    paths: [path],
    signal: opts.signal,
  });
  return res.result.cursor;
}

export async function longpoll(t: Transport, cursor: string, opts: CallOptions = {}): Promise<PollAnswer> {
  const res = await t.send<PollAnswer>({
    route: 'files/list_folder/longpoll',
    style: 'rpc',
    host: 'notify',
    arg: { cursor, timeout: LONGPOLL_SECONDS },
    idempotency: 'safe',
    signal: opts.signal,
  });
  return res.result;
}

/** Every change after `cursor`, all pages of it. */
export async function changesSince(t: Transport, cursor: string, opts: CallOptions = {}): Promise<Changes> {
  const entries: Metadata[] = [];
  for (;;) {
    const page = (
      await t.send<{ entries: Metadata[]; cursor: string; has_more: boolean }>({
        route: 'files/list_folder/continue',
        style: 'rpc',
        arg: { cursor },
        idempotency: 'safe',
        signal: opts.signal,
      })
    ).result;
    entries.push(...page.entries);
    if (!page.cursor)
      throw new IncompleteListingError('files/list_folder/continue: the changes came without a cursor', {
        route: 'files/list_folder/continue',
      });
    cursor = page.cursor;
    if (!page.has_more) return { entries, cursor };
  }
}
