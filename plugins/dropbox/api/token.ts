// A TokenSource over any refresh function: refreshes when less than 300 s of
// validity remain (the JS and Python SDKs use the same margin), and single-flights
// every refresh so concurrent callers, and 50 calls that all saw a 401, cause one.
import type { TokenSource } from './types.ts';

export interface AccessToken {
  accessToken: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** Refresh when less than this much validity remains (the default margin). */
export const REFRESH_MARGIN_MS = 300_000;

export interface RefreshingTokenOptions {
  /** Refresh when less than this remains; default 300 s. */
  marginMs?: number;
  now?: () => number;
  /** Called after each successful refresh (e.g. to persist the token). Errors are the caller's. */
  onRefreshed?: (t: AccessToken) => void | Promise<void>;
}

export class RefreshingToken implements TokenSource {
  private current: AccessToken | undefined;
  private inflight: Promise<string> | undefined;
  private readonly marginMs: number;
  private readonly now: () => number;

  constructor(
    private readonly refreshFn: (signal?: AbortSignal) => Promise<AccessToken>,
    initial?: AccessToken,
    private readonly opts: RefreshingTokenOptions = {},
  ) {
    this.current = initial;
    this.marginMs = opts.marginMs ?? REFRESH_MARGIN_MS;
    this.now = opts.now ?? Date.now;
  }

  async token(signal?: AbortSignal): Promise<string> {
    const cur = this.current;
    if (cur && cur.expiresAt - this.now() > this.marginMs) return cur.accessToken;
    return this.shared(signal);
  }

  async refresh(stale: string, signal?: AbortSignal): Promise<string> {
    if (this.inflight) return waitFor(this.inflight, signal);
    // Someone already replaced the token the caller saw fail: use the new one.
    if (this.current && this.current.accessToken !== stale) return this.current.accessToken;
    return this.shared(signal);
  }

  /** The token as last known (for persisting or showing "valid until"). */
  get snapshot(): AccessToken | undefined {
    return this.current ? { ...this.current } : undefined;
  }

  private shared(signal?: AbortSignal): Promise<string> {
    if (!this.inflight) {
      // The shared refresh is not tied to any one caller's signal: one caller giving
      // up must not fail the others waiting on the same refresh.
      this.inflight = (async () => {
        try {
          const t = await this.refreshFn();
          this.current = { accessToken: t.accessToken, expiresAt: t.expiresAt };
          await this.opts.onRefreshed?.(this.current);
          return t.accessToken;
        } finally {
          this.inflight = undefined;
        }
      })();
    }
    return waitFor(this.inflight, signal);
  }
}

function waitFor<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
