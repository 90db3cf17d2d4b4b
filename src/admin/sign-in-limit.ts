// Sign-in throttling that counts failed attempts only. Each client has its own count,
// so a correct password is never refused because someone else guessed wrong:
// - a browser that signed in before carries a signed device token (a cookie) and is
//   judged by its own failures alone, even on an address shared with an attacker
//   (every local process is 127.0.0.1);
// - any other client is judged by its address, and by all unknown clients' failures
//   together (the account's count), whose threshold only a many-address attack reaches.
// After a few free failures each count imposes a wait that doubles with every further
// failure; while waiting, attempts are refused before the password is checked, so the
// wait cannot be used to test passwords. An attempt counts as failed from the moment it
// starts (a burst sent at once is held back like one sent in turn); a success takes its
// count back and clears the client's own count.
import { createHmac, randomBytes } from 'node:crypto';
import { sameToken } from './session.ts';

export const DEVICE_COOKIE = 'dropcron_device';
/** How long a browser stays known after its last sign-in. */
export const DEVICE_MAX_AGE_S = 30 * 24 * 60 * 60;

interface Rule {
  /** Failures allowed before any wait. */
  free: number;
}
/** One client (a known browser or an address). */
const CLIENT: Rule = { free: 3 };
/** All clients without a device token together: high enough that only many addresses reach it. */
const ACCOUNT: Rule = { free: 100 };
const FIRST_WAIT_MS = 1000;
const MAX_WAIT_MS = 15 * 60 * 1000;
/** A count with no new failure for this long is forgotten. */
const FORGET_MS = 60 * 60 * 1000;
/** Bound on remembered counts; a flood of addresses pushes out the oldest. */
const MAX_ENTRIES = 10_000;

interface Count {
  failures: number;
  /** When the last failure was counted (ms since epoch). */
  last: number;
}

function waitAfter(failures: number, rule: Rule): number {
  const over = failures - rule.free;
  return over > 0 ? Math.min(MAX_WAIT_MS, FIRST_WAIT_MS * 2 ** Math.min(over - 1, 30)) : 0;
}

const ruleOf = (key: string) => (key === 'account' ? ACCOUNT : CLIENT);

export class SignInLimiter {
  private readonly counts = new Map<string, Count>();
  private readonly key = randomBytes(32);

  constructor(private readonly now: () => number = Date.now) {}

  /** A device token for a browser that just signed in: a random id and its HMAC. */
  issueDevice(): string {
    const id = randomBytes(16).toString('base64url');
    return `${id}.${this.sign(id)}`;
  }

  /** The counts an attempt is judged by: its device's, or its address's and the account's. */
  keysFor(ip: string, deviceToken: string | undefined): string[] {
    const [id, mac] = (deviceToken ?? '').split('.');
    if (id && mac && sameToken(mac, this.sign(id))) return [`device:${id}`];
    return [`ip:${ip}`, 'account'];
  }

  /** Milliseconds until an attempt under `keys` is allowed; 0 when it is allowed now. */
  waitMs(keys: string[]): number {
    const t = this.now();
    let wait = 0;
    for (const k of keys) {
      const c = this.counts.get(k);
      if (c) wait = Math.max(wait, c.last + waitAfter(c.failures, ruleOf(k)) - t);
    }
    return Math.max(0, wait);
  }

  /** Counts an attempt as failed; call when it starts, before the password is checked. */
  failed(keys: string[]): void {
    const t = this.now();
    this.sweep(t);
    for (const k of keys) {
      const c = this.counts.get(k) ?? { failures: 0, last: t };
      c.failures++;
      c.last = t;
      this.counts.delete(k); // re-inserted last: the map stays in order of last failure
      this.counts.set(k, c);
    }
  }

  /**
   * The attempt counted by `failed` had the right password: the client's own count is
   * cleared, and the account's loses this attempt (others' failures stay counted).
   */
  succeeded(keys: string[]): void {
    for (const k of keys) {
      const c = this.counts.get(k);
      if (k !== 'account') this.counts.delete(k);
      else if (c) c.failures = Math.max(0, c.failures - 1);
    }
  }

  private sign(id: string): string {
    return createHmac('sha256', this.key).update(id).digest('base64url');
  }

  private sweep(t: number): void {
    for (const [k, c] of this.counts) {
      if (t - c.last < FORGET_MS && this.counts.size < MAX_ENTRIES) break;
      this.counts.delete(k);
    }
  }
}
