// The one place that decides whether a failed call is tried again, and when.
// Order: aborted -> token refresh -> not replayable -> throttled (Retry-After) ->
// transient (backoff with jitter, only where a repeat cannot duplicate an effect) -> give up.
// Waits follow the core's one backoff rule (backoffDelay).
import { backoffDelay } from '../../../src/plugin.ts';
import {
  DropboxError,
  ExpiredTokenError,
  InvalidTokenError,
  NetworkError,
  ProxyError,
  RateLimitError,
  ServerError,
  RouteError,
} from './errors.ts';

export interface RetryPolicy {
  /** Total attempts including the first, not counting those answered 429 (see maxThrottledMs). */
  maxAttempts: number;
  /** Longest a call keeps waiting out 429s / Retry-After in total before it fails. */
  maxThrottledMs: number;
  /** Nominal first backoff delay; doubles each attempt (backoffDelay waits half to all of it). */
  baseDelayMs: number;
  /** Backoff cap. */
  maxDelayMs: number;
  /** Longest Retry-After we obey; a longer one fails the call (the job can be rescheduled). */
  maxRetryAfterMs: number;
  /** Delay when a 429 carries no Retry-After (the Python SDK uses 5 s). */
  defaultRetryAfterMs: number;
  /** Random in [0,1); injectable so tests are deterministic. */
  random: () => number;
}

// 6 attempts with 1 s doubling to 30 s: about a minute of trying, in line with the
// Python SDK (4 retries, 2^n s) and undici's RetryHandler (30 s cap).
export const DEFAULT_RETRY: RetryPolicy = {
  maxAttempts: 6,
  // A 429 was refused before anything happened, so repeating it costs only time; an
  // attempt count does not measure time when 32 calls share one limit (6 attempts
  // of a 1 s Retry-After ran out in under a minute). 10 minutes outlasts Dropbox's
  // longest Retry-After we obey (maxRetryAfterMs) twice; the job's own timeout
  // still bounds the run.
  maxThrottledMs: 600_000,
  baseDelayMs: 1000,
  maxDelayMs: 30_000,
  maxRetryAfterMs: 300_000,
  defaultRetryAfterMs: 5000,
  random: Math.random,
};

/**
 * What a repeat of this call may do:
 * - 'safe': reads, and writes that converge (overwrite, ensure-folder, session appends that resync by offset);
 * - 'once': a repeat could duplicate the effect (autorename, copy): retried only when Dropbox
 *   certainly did nothing (429, too_many_write_operations, 401 before processing).
 */
export type Idempotency = 'safe' | 'once';

export interface CallFacts {
  idempotency: Idempotency;
  /** Whether the body can be sent again from the start (buffer, or a file re-opened at its offset). */
  replayable: boolean;
  /** 1-based number of the attempt that just failed. */
  attempt: number;
  /** How many of those attempts were throttled (429), and how long the call already waited for them. */
  throttled?: number;
  throttledMs?: number;
  /** Whether this call already refreshed its token once. */
  refreshed: boolean;
  signal?: AbortSignal;
}

export type Decision =
  { retry: false; reason: string } | { retry: true; delayMs: number; refreshToken: boolean; reason: string };

export function shouldRetry(err: unknown, call: CallFacts, policy: RetryPolicy = DEFAULT_RETRY): Decision {
  if (call.signal?.aborted) return { retry: false, reason: 'aborted' };
  if (!(err instanceof DropboxError)) return { retry: false, reason: 'not a Dropbox error' };
  if (!call.replayable) return { retry: false, reason: 'body cannot be replayed' };

  // A revoked access token says nothing about the grant; a refresh does: it gets a new
  // token, or invalid_grant, which marks the connection "needs re-authorisation". Calls
  // whose errors come back as values (uploadMany's entries) are seen only here.
  if (err instanceof ExpiredTokenError || err instanceof InvalidTokenError) {
    // Exactly one refresh per call: a second 401 means the new token is bad too.
    return call.refreshed
      ? { retry: false, reason: 'token refused again after refresh' }
      : { retry: true, delayMs: 0, refreshToken: true, reason: err.tags[0] ?? 'expired token' };
  }
  if (err instanceof RateLimitError) {
    // Throttled calls were rejected before doing anything, so even 'once' calls may repeat.
    const throttled = call.throttled ?? 1;
    const wait = err.retryAfterMs ?? policyDelay(throttled, policy, policy.defaultRetryAfterMs);
    if (wait > policy.maxRetryAfterMs)
      return { retry: false, reason: `Retry-After ${Math.round(wait / 1000)} s is too long` };
    const waited = call.throttledMs ?? 0;
    if (waited + wait > policy.maxThrottledMs)
      return { retry: false, reason: `still rate limited after waiting ${Math.round(waited / 1000)} s` };
    return { retry: true, delayMs: wait, refreshToken: false, reason: err.tags.join('/') || 'rate limited' };
  }
  const tried = call.attempt - (call.throttled ?? 0);
  if (tried >= policy.maxAttempts) return { retry: false, reason: `gave up after ${call.attempt} attempts` };

  // Bad credentials or a refused tunnel stay refused; an unreachable proxy may be restarting.
  if (err instanceof ProxyError && !err.retryable) return { retry: false, reason: 'proxy refused' };
  const transient =
    err instanceof ServerError || ((err instanceof NetworkError || err instanceof RouteError) && err.retryable);
  if (!transient) return { retry: false, reason: 'not transient' };
  // A refused connection never reached Dropbox, so it cannot have had an effect.
  const untouched = err instanceof NetworkError && err.errno === 'ECONNREFUSED';
  if (call.idempotency !== 'safe' && !untouched) return { retry: false, reason: 'a repeat could duplicate the effect' };
  return {
    retry: true,
    delayMs: err.retryAfterMs ?? policyDelay(call.attempt, policy),
    refreshToken: false,
    reason: err.tags.join('/') || err.name,
  };
}

/** The wait after failed attempt n: the core's backoff rule with this policy's numbers. */
export function policyDelay(attempt: number, policy: RetryPolicy, minMs = policy.baseDelayMs): number {
  return backoffDelay(attempt, minMs, policy.maxDelayMs, policy.random);
}
