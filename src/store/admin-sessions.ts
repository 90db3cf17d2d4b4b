// Admin sessions as the store keeps them: by the SHA-256 of the cookie's id (never the
// id itself, so reading the store gives no usable cookie), with the CSRF token and the
// expiry. Kept in the store so that a browser signed in on one daemon is signed in on
// every daemon behind the same load balancer (src/admin/session.ts decides what they mean).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from './atomic.ts';

export interface AdminSessionRow {
  csrf: string;
  /** Epoch milliseconds. */
  expires: number;
}

export interface AdminSessionRows {
  get(key: string): Promise<AdminSessionRow | undefined>;
  put(key: string, row: AdminSessionRow): Promise<void>;
  delete(key: string): Promise<void>;
  /** Deletes the sessions expired at `now`, then all but the `keep` that expire last. */
  sweep(now: number, keep: number): Promise<void>;
}

/** The file store's (and the tests'): admin-sessions.json in the state directory, one daemon's. */
export const SESSIONS_FILE = 'admin-sessions.json';

interface Stored {
  v: 1;
  sessions: Array<{ key: string } & AdminSessionRow>;
}

/**
 * All sessions in memory, written whole on each change (in order: the last write holds
 * the latest state). `stateDir` undefined: memory only. A file that does not parse starts
 * empty (everyone signs in again).
 */
export function fileAdminSessions(stateDir: string | undefined): AdminSessionRows {
  const file = stateDir === undefined ? undefined : join(stateDir, SESSIONS_FILE);
  let loaded: Promise<Map<string, AdminSessionRow>> | undefined;
  const load = () =>
    (loaded ??= (async () => {
      const byKey = new Map<string, AdminSessionRow>();
      if (!file) return byKey;
      try {
        const stored = JSON.parse(await readFile(file, 'utf8')) as Stored;
        if (stored.v === 1 && Array.isArray(stored.sessions))
          for (const x of stored.sessions)
            if (typeof x.key === 'string' && typeof x.csrf === 'string' && typeof x.expires === 'number')
              byKey.set(x.key, { csrf: x.csrf, expires: x.expires });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof SyntaxError)) {
          loaded = undefined;
          throw err;
        }
      }
      return byKey;
    })());
  let saving: Promise<void> = Promise.resolve();
  const save = (byKey: Map<string, AdminSessionRow>) => {
    if (!file) return Promise.resolve();
    const stored: Stored = { v: 1, sessions: [...byKey].map(([key, s]) => ({ key, ...s })) };
    const write = saving.then(() => writeJsonAtomic(file, stored));
    saving = write.catch(() => {});
    return write;
  };
  return {
    get: async (key) => {
      const row = (await load()).get(key);
      return row && { ...row };
    },
    put: async (key, row) => {
      const byKey = await load();
      // Oldest first: re-inserted, a renewed session moves to the end.
      byKey.delete(key);
      byKey.set(key, { ...row });
      await save(byKey);
    },
    delete: async (key) => {
      const byKey = await load();
      if (byKey.delete(key)) await save(byKey);
    },
    sweep: async (now, keep) => {
      const byKey = await load();
      const before = byKey.size;
      for (const [key, s] of byKey) if (s.expires < now) byKey.delete(key);
      while (byKey.size > keep) byKey.delete(byKey.keys().next().value!);
      if (byKey.size !== before) await save(byKey);
    },
  };
}
