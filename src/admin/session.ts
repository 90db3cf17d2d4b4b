// Sessions: the cookie holds only a random id. They are kept in the store (by the
// SHA-256 of the id, so reading the store gives no usable cookie): with the file store
// in admin-sessions.json, with PostgreSQL in a table every daemon of the cluster reads,
// so signing in on one daemon behind a load balancer signs the browser in on all, and
// signing out on one signs it out on all. Each session expires on its own after IDLE_MS
// without use. Stored rather than signed cookies, so signing out really ends a session.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { fileAdminSessions, type AdminSessionRows } from '../store/admin-sessions.ts';

export { SESSIONS_FILE } from '../store/admin-sessions.ts';
export const SESSION_COOKIE = 'dropcron_session';
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

const keyOf = (id: string) => createHash('sha256').update(id).digest('base64url');

export class Sessions {
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly rows: AdminSessionRows,
    private readonly now: () => number,
    private readonly onSaveError: (err: Error) => void,
  ) {}

  /** Only in memory (tests). */
  static inMemory(now: () => number = Date.now): Sessions {
    return new Sessions(fileAdminSessions(undefined), now, () => {});
  }

  /** The sessions kept in the store's rows, or in a state directory's file (tests); expired ones swept. */
  static async open(
    where: AdminSessionRows | string,
    opts: { now?: () => number; onSaveError?: (err: Error) => void } = {},
  ): Promise<Sessions> {
    const rows = typeof where === 'string' ? fileAdminSessions(where) : where;
    const s = new Sessions(rows, opts.now ?? Date.now, opts.onSaveError ?? (() => {}));
    await rows.sweep(s.now(), MAX_SESSIONS);
    return s;
  }

  create(): Session {
    const id = randomBytes(32).toString('base64url');
    const s = { id, csrf: randomBytes(32).toString('base64url'), expires: this.now() + IDLE_MS };
    // Oldest out first: a flood of sign-ins pushes out old sessions, not memory.
    this.save(async () => {
      await this.rows.sweep(this.now(), MAX_SESSIONS - 1);
      await this.rows.put(keyOf(id), { csrf: s.csrf, expires: s.expires });
    });
    return s;
  }

  /** The live session for a cookie value, its idle timer renewed; undefined otherwise. */
  async get(id: string | undefined): Promise<Session | undefined> {
    if (!id) return undefined;
    const key = keyOf(id);
    await this.saving; // a session created or ended just now is seen as such
    const s = await this.rows.get(key);
    if (!s) return undefined;
    if (s.expires < this.now()) {
      this.save(() => this.rows.delete(key));
      return undefined;
    }
    const expires = this.now() + IDLE_MS;
    if (expires - s.expires >= SAVE_RENEWAL_MS) this.save(() => this.rows.put(key, { csrf: s.csrf, expires }));
    return { id, csrf: s.csrf, expires };
  }

  destroy(id: string | undefined): void {
    if (id) this.save(() => this.rows.delete(keyOf(id)));
  }

  /** Resolves once every change so far is stored. */
  flush(): Promise<void> {
    return this.saving;
  }

  /** Chained: changes land in order. A failure is reported, and the next change still goes. */
  private save(change: () => Promise<void>): void {
    this.saving = this.saving.then(change).catch((err: unknown) => this.onSaveError(err as Error));
  }
}

/** Constant-time string comparison for tokens. */
export function sameToken(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
