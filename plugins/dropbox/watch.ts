// The `dropbox` trigger: starts a job when files are added or changed under a Dropbox
// folder, without any public endpoint. The position is a list cursor kept in the store
// (so a restart sees what changed while dropcron was down); list_folder/longpoll says
// when to read the changes, honouring the `backoff` it asks for; a `reset` re-lists the
// folder from a fresh cursor. What changed is handed on as a list task hands on its
// entries, so `download: { from: previous }` takes exactly those files. A cursor is saved
// only once the core has kept what was read before it (ctx.kept()).
import { sleep, type TriggerType } from '../../src/plugin.ts';
import type { DropboxClient, Metadata } from './api/types.ts';
import { DropboxError } from './api/errors.ts';
import type { DropboxEntriesOutput } from './tasks/list.ts';
import { remoteOrThrow } from './tasks/remote-paths.ts';

export interface DropboxTriggerOptions {
  path: string;
  recursive: boolean;
}

/** The store's area for the triggers' cursors, one key per job. */
const CURSORS = 'dropbox-trigger-cursors';

/** What is kept per job: the cursor, and what it watches (a changed folder starts afresh). */
interface Saved {
  path: string;
  recursive: boolean;
  cursor: string;
}

export const dropboxTrigger: TriggerType<DropboxTriggerOptions, DropboxClient> = {
  name: 'dropbox',
  schema: {
    title: 'Dropbox folder changes',
    type: 'object',
    additionalProperties: false,
    required: ['path'],
    description: 'Runs the job when files are added or changed under a Dropbox folder.',
    properties: {
      path: {
        title: 'Dropbox folder',
        type: 'string',
        'x-remotePath': true,
        pattern: '^/',
        errorMessage: "must be a Dropbox path starting with '/' ('/' is the root of the connection)",
        description: 'The folder to watch.',
      },
      recursive: {
        title: 'Include subfolders',
        type: 'boolean',
        default: false,
        description: 'Also react to changes in folders below it.',
      },
    },
  },
  itemKey: (item) => (item as Metadata).path_lower ?? (item as Metadata).name,
  async watch(o, ctx) {
    const client = ctx.connection;
    const { signal } = ctx;
    const folder = remoteOrThrow(o.path);
    const recursive = o.recursive ?? false;
    const area = ctx.store.checkpoints(CURSORS);
    const save = (cursor: string) => area.put(ctx.key, JSON.stringify({ path: folder, recursive, cursor }));
    const report = async (entries: Metadata[]) => {
      const items = entries.filter((e) => e['.tag'] === 'file');
      const output: DropboxEntriesOutput = { kind: 'dropbox-entries', items, root: folder };
      if (items.length) ctx.onChange(output);
      await ctx.kept();
    };
    /** A fresh cursor; after a reset, with every file there now reported (what changed is unknown). */
    const restart = async (relist: boolean) => {
      const cursor = await client.latestCursor(folder, { recursive, signal });
      if (relist) {
        const all: Metadata[] = [];
        for await (const e of client.listFolder(folder, { recursive, signal })) all.push(e);
        await report(all);
      }
      await save(cursor);
      return cursor;
    };
    let cursor = savedCursor(await area.get(ctx.key), folder, recursive) ?? (await restart(false));
    while (!signal.aborted) {
      try {
        const poll = await client.longpoll(cursor, { signal });
        if (poll.changes) {
          const changes = await client.changesSince(cursor, { signal });
          await report(changes.entries);
          cursor = changes.cursor;
          await save(cursor);
        }
        if (poll.backoff) await sleep(poll.backoff * 1000, { signal });
      } catch (err) {
        if (signal.aborted) return;
        if (!(err instanceof DropboxError && err.tags[0] === 'reset')) throw err;
        ctx.log.warn(`the cursor of ${o.path} expired (reset): listing the folder again`);
        cursor = await restart(true);
      }
    }
  },
};

function savedCursor(text: string | undefined, path: string, recursive: boolean): string | undefined {
  if (!text) return undefined;
  try {
    const s = JSON.parse(text) as Partial<Saved>;
    return s.path === path && s.recursive === recursive && typeof s.cursor === 'string' ? s.cursor : undefined;
  } catch {
    return undefined; // torn by a foreign write: start from the present
  }
}
