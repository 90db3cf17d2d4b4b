// Sessions: the cookie holds only a random id. They are kept in the state directory
// (admin-sessions.json, by the SHA-256 of the id, so reading the file gives no
// usable cookie) and so survive a restart; each expires on its own after IDLE_MS
// without use. Stored rather than signed cookies, so signing out really ends a
// session; the state directory rather than the store (src/store), because sessions
// belong to this one admin server, not to the cluster's shared state.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../store/atomic.ts';

export const SESSION_COOKIE = 'dropcron_session';
export const SESSIONS_FILE = 'admin-sessions.json';
const IDLE_MS = 12 * 60 * 60 * 1000;
const MAX_SESSIONS = 100;
/** A session's renewed expiry is written at most this often (every request renews it). */
const SAVE_RENEWAL_MS = 10 * 60 * 1000;

export interface Session {
  id: string;
  /** Sent by the page in the x-csrf-token header on every state-changing request. */
  csrf: string;
  expires: number;
}

interface Stored {
  v: 1;
  /** By the hash of their id. */
  sessions: Array<{ key: string; csrf: string; expires: number }>;
}

const keyOf = (id: string) => createHash('sha256').update(id).digest('base64url');

export class Sessions {
  /** By keyOf(id). */
  private readonly byKey = new Map<string, { csrf: string; expires: number; saved: number }>();
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly file: string | undefined,
    private readonly now: () => number,
    private readonly onSaveError: (err: Error) => void,
  ) {}

  /** Only in memory (tests). */
  static inMemory(now: () => number = Date.now): Sessions {
    return new Sessions(undefined, now, () => {});
  }

  /** The sessions kept in `stateDir`; an unreadable file starts empty (everyone signs in again). */
  static async open(
    stateDir: string,
    opts: { now?: () => number; onSaveError?: (err: Error) => void } = {},
  ): Promise<Sessions> {
    const s = new Sessions(join(stateDir, SESSIONS_FILE), opts.now ?? Date.now, opts.onSaveError ?? (() => {}));
    try {
      const stored = JSON.parse(await readFile(s.file!, 'utf8')) as Stored;
      if (stored.v === 1 && Array.isArray(stored.sessions))
        for (const x of stored.sessions)
          if (typeof x.key === 'string' && typeof x.csrf === 'string' && typeof x.expires === 'number')
            s.byKey.set(x.key, { csrf: x.csrf, expires: x.expires, saved: x.expires });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && !(err instanceof SyntaxError)) throw err;
    }
    s.sweep();
    return s;
  }

  create(): Session {
    this.sweep();
    // Oldest first: a flood of sign-ins pushes out old sessions, not memory.
    while (this.byKey.size >= MAX_SESSIONS) this.byKey.delete(this.byKey.keys().next().value!);
    const id = randomBytes(32).toString('base64url');
    const s = { id, csrf: randomBytes(32).toString('base64url'), expires: this.now() + IDLE_MS };
    this.byKey.set(keyOf(id), { csrf: s.csrf, expires: s.expires, saved: s.expires });
    this.save();
    return s;
  }

  /** The live session for a cookie value, its idle timer renewed; undefined otherwise. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const key = keyOf(id);
    const s = this.byKey.get(key);
    if (!s) return undefined;
    if (s.expires < this.now()) {
      this.byKey.delete(key);
      this.save();
      return undefined;
    }
    s.expires = this.now() + IDLE_MS;
    if (s.expires - s.saved >= SAVE_RENEWAL_MS) {
      s.saved = s.expires;
      this.save();
    }
    return { id, csrf: s.csrf, expires: s.expires };
  }

  destroy(id: string | undefined): void {
    if (id && this.byKey.delete(keyOf(id))) this.save();
  }

  /** Resolves once every change so far is on disk. */
  flush(): Promise<void> {
    return this.saving;
  }

  private save(): void {
    const file = this.file;
    if (!file) return;
    // Chained: writes land in order, and the last one holds the latest state.
    this.saving = this.saving.then(() => {
      const stored: Stored = {
        v: 1,
        sessions: [...this.byKey].map(([key, s]) => ({ key, csrf: s.csrf, expires: s.expires })),
      };
      return writeJsonAtomic(file, stored).catch((err: unknown) => this.onSaveError(err as Error));
    });
  }

  private sweep(): void {
    const t = this.now();
    for (const [key, s] of this.byKey) if (s.expires < t) this.byKey.delete(key);
  }
}

/** Constant-time string comparison for tokens. */
export function sameToken(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
