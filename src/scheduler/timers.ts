// Time is an input: everything in the scheduler reads the clock through `Clock`
// and waits through `sleep`, so tests can drive it with fake timers. `sleep` and
// `backoffDelay` are the product's only ones: plugins get them through src/plugin.ts.

export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/**
 * No single timer is longer than 30 s (as croner does): a laptop that slept or a
 * clock that was stepped is noticed within 30 s instead of at the end of a long
 * setTimeout that kept counting monotonic time.
 */
export const MAX_TIMER_MS = 30_000;

export interface SleepOptions {
  /** Whose time passes; tests pass a fake one. */
  clock?: Clock;
  /** Aborting it ends the sleep early with a rejection. */
  signal?: AbortSignal;
}

/**
 * Resolves when `ms` have passed on `clock`, or rejects with the signal's reason
 * when `signal` aborts first.
 */
export function sleep(ms: number, { clock = systemClock, signal }: SleepOptions = {}): Promise<void> {
  const until = clock.now() + ms;
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const arm = () => {
      const left = until - clock.now();
      if (left <= 0) {
        signal?.removeEventListener('abort', onAbort);
        return resolve();
      }
      timer = setTimeout(arm, Math.min(left, MAX_TIMER_MS));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    arm();
  });
}

/**
 * The one backoff rule, for job retries and for every wait of a connector: attempt n
 * (1-based) waits min·2^(n-1), capped, with "equal jitter": half of that fixed and
 * half random, so a wait lies between exp/2 and exp, where exp = min(cap, min·2^(n-1)).
 *
 * Why this jitter (a job: `backoff: 30s`, cap 1 h; the connector: 1 s, cap 30 s):
 * - graphile-worker's calculateDelay caps first, then multiplies by [0.5, 1.5): the
 *   cap stops being one (a 30 s cap waits up to 45 s, a job's 1 h up to 90 min).
 *   Capping after the multiplication instead kills the spread at the cap: a job's
 *   8th retry (nominal 64 min) lands on exactly 1 h for 56% of draws and the 9th for
 *   all, so jobs that failed together retry together. Equal jitter keeps the cap
 *   and still spreads retries at the cap over 30-60 min.
 * - "full jitter" ([0, exp)) spreads widest but may wait about 0: a 503 would be hit
 *   again at once, and `backoff: 30s` could rerun a job after a second. Equal jitter
 *   never waits less than half: the connector's 1st retry waits 0.5-1 s, its 5th 8-16 s.
 * - rclone's default pacer (the one its Dropbox backend uses) doubles with no jitter.
 * The cost: waits average 0.75 of nominal (5 connector retries: 15.5-31 s, not 31 s).
 */
export function backoffDelay(
  attempt: number,
  minMs: number,
  capMs: number,
  random: () => number = Math.random,
): number {
  const exp = Math.min(capMs, minMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(exp / 2 + (exp / 2) * random());
}
