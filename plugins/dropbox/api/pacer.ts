// One pacer per connection: every attempt of every call of a connection starts through
// it, so calls in flight share what the server said. Modelled on rclone's per-remote
// pacer (a spacing between call starts that doubles on a throttle and decays on
// success); shouldRetry (retry.ts) still decides whether to retry, the pacer only when.
import { sleep } from '../../../src/plugin.ts';

/** Whose time passes (the core's sleep reads the same shape); tests pass a fake one. */
export interface PacerClock {
  now(): number;
}

export interface PacerOptions {
  /** Spacing between call starts when nothing was throttled. */
  minSleepMs: number;
  /** The spacing a first throttle sets when the spacing was below it (doubling 0 would stay 0). */
  attackFromMs: number;
  /** Largest spacing a run of throttles can grow it to. */
  maxSleepMs: number;
  /** Each success keeps 1 - 2^-decay of the spacing above the minimum (rclone's decayConstant). */
  decay: number;
  /** A Retry-After hold is stretched by up to this share, so the calls it held do not return at one instant. */
  holdJitter: number;
  clock: PacerClock;
  random: () => number;
}

// rclone's Dropbox backend spaces every call by at least 10 ms, which caps a connection at
// 100 calls/s even when Dropbox never pushes back: 1,000 small downloads at 40 ms latency
// took 10 s with any number in flight from 8 to 64. So no spacing until the first
// throttle, which sets 10 ms and doubles from there; 2 s max is ~0.5 calls/s, below any
// limit Dropbox announces. Decay 2 (x0.75 per success) brings 2 s back under 10 ms in ~18
// successes and to none in ~27, so one 429 does not slow the rest of a long run. A 10 %
// jitter on a 1 s Retry-After spreads 32 held calls over 100 ms instead of one burst.
export const DEFAULT_PACER: PacerOptions = {
  minSleepMs: 0,
  attackFromMs: 10,
  maxSleepMs: 2000,
  decay: 2,
  holdJitter: 0.1,
  clock: { now: () => Date.now() },
  random: Math.random,
};

/** What a connection's pacer saw, for the task's counts. */
export interface PacerStats {
  /** Calls answered "too many requests / wait" (429 or a Retry-After) since the connection opened. */
  throttled: number;
}

export class Pacer {
  private readonly o: PacerOptions;
  private spacingMs: number;
  /** Earliest start of the next call (the spacing token). */
  private nextStart = 0;
  /** Until then no call of the connection starts (the last Retry-After). */
  private holdUntil = 0;
  private throttledCount = 0;
  /** When the spacing last doubled: calls started before then were paced by the old spacing. */
  private lastAttack = -Infinity;

  constructor(opts: Partial<PacerOptions> = {}) {
    this.o = { ...DEFAULT_PACER, ...opts };
    this.spacingMs = this.o.minSleepMs;
  }

  get spacing(): number {
    return this.spacingMs;
  }

  stats(): PacerStats {
    return { throttled: this.throttledCount };
  }

  /** Resolves, to the start instant, when this attempt may start: after the spacing slot it reserves and any hold. */
  async ready(signal?: AbortSignal): Promise<number> {
    for (;;) {
      const now = this.o.clock.now();
      let start = Math.max(now, this.nextStart);
      if (this.holdUntil > now) {
        const held = this.holdUntil + this.o.holdJitter * this.o.random() * (this.holdUntil - now);
        start = Math.max(start, held);
      }
      this.nextStart = start + this.spacingMs;
      if (start <= now) return now;
      await sleep(start - now, { clock: this.o.clock, signal });
      // A throttle that arrived while this call slept holds it too: reserve again.
      const woke = this.o.clock.now();
      if (this.holdUntil <= woke) return woke;
    }
  }

  now(): number {
    return this.o.clock.now();
  }

  /** The server answered without a throttle (an error like not_found too): the spacing decays toward the minimum. */
  answered(): void {
    const above = this.spacingMs - this.o.minSleepMs;
    // Below a millisecond the spacing is noise: snap to the minimum.
    this.spacingMs = above < 1 ? this.o.minSleepMs : this.o.minSleepMs + above - above / 2 ** this.o.decay;
  }

  /**
   * The server said wait `ms` to the attempt that started at `started`: every call of
   * the connection waits, and the spacing doubles, once per throttle event: the 429s of
   * the other calls already in flight say the same thing again, and doubling for each
   * of 32 would jump straight to the maximum.
   */
  throttled(ms: number, started = Infinity): void {
    const now = this.o.clock.now();
    this.throttledCount++;
    if (started >= this.lastAttack) {
      this.spacingMs = Math.min(this.o.maxSleepMs, Math.max(this.o.attackFromMs, this.spacingMs * 2));
      this.lastAttack = now;
    }
    this.holdUntil = Math.max(this.holdUntil, now + ms);
  }

  /** This call alone backs off (a 5xx or a dropped connection says nothing about the others). */
  backOff(ms: number, signal?: AbortSignal): Promise<void> {
    return sleep(ms, { clock: this.o.clock, signal });
  }
}
