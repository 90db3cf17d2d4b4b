// Time is an input: everything in the scheduler reads the clock through `Clock`
// and waits through `sleep`, so tests can drive it with fake timers.

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

/**
 * Resolves when `ms` have passed on `clock`, or rejects with the signal's reason
 * when `signal` aborts first.
 */
export function sleep(ms: number, clock: Clock = systemClock, signal?: AbortSignal): Promise<void> {
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
 * The one backoff rule: attempt n (1-based) waits min·2^(n-1) times a jitter in
 * [0.5, 1.5), capped, so that jobs failing together do not retry together.
 */
export function backoffDelay(
  attempt: number,
  minMs: number,
  capMs = 3_600_000,
  random: () => number = Math.random,
): number {
  const base = minMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(Math.round(base * (0.5 + random())), capMs);
}
