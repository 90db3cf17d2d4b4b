// Server-side sessions: the cookie holds only a random id; everything else stays in
// this process. A restart signs everyone out, which is fine for a single admin.
import { randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'dropcron_session';
const IDLE_MS = 12 * 60 * 60 * 1000;
const MAX_SESSIONS = 100;

export interface Session {
  id: string;
  /** Sent by the page in the x-csrf-token header on every state-changing request. */
  csrf: string;
  expires: number;
}

export class Sessions {
  private readonly byId = new Map<string, Session>();

  constructor(private readonly now: () => number = Date.now) {}

  create(): Session {
    this.sweep();
    // Oldest first: a flood of sign-ins pushes out old sessions, not memory.
    while (this.byId.size >= MAX_SESSIONS) this.byId.delete(this.byId.keys().next().value!);
    const s = {
      id: randomBytes(32).toString('base64url'),
      csrf: randomBytes(32).toString('base64url'),
      expires: this.now() + IDLE_MS,
    };
    this.byId.set(s.id, s);
    return s;
  }

  /** The live session for a cookie value, its idle timer renewed; undefined otherwise. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const s = this.byId.get(id);
    if (!s) return undefined;
    if (s.expires < this.now()) {
      this.byId.delete(id);
      return undefined;
    }
    s.expires = this.now() + IDLE_MS;
    return s;
  }

  destroy(id: string | undefined): void {
    if (id) this.byId.delete(id);
  }

  private sweep(): void {
    const t = this.now();
    for (const [id, s] of this.byId) if (s.expires < t) this.byId.delete(id);
  }
}

/** Constant-time string comparison for tokens. */
export function sameToken(a: string | undefined, b: string): boolean {
  if (typeof a !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
