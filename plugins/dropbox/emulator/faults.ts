// Faults and realism: one-shot or counted injected faults per route, and continuous
// settings (latency, bandwidth, random 5xx, rate limit, quota, write contention).

export type Fault =
  | { status: 500 | 502 | 503 }
  | { rateLimit: number }
  | { tooManyWriteOperations: true }
  | { dropAfterBytes: number }
  | { expiredToken: true };

export interface FaultRule {
  /** A route such as 'files/upload_session/append_v2', 'oauth2/token', or '*' for any. */
  route: string;
  times?: number;
  fault: Fault;
}

export interface Realism {
  latencyMs?: number;
  /** Per request and direction. */
  bandwidthBytesPerSec?: number;
  /** 0..1: share of requests answered 500 or 503 at random. */
  failureRate?: number;
  /** Requests per second per access token; more get 429 too_many_requests. */
  rateLimitPerSecond?: number;
  /** Overrides every account's and team's quota. */
  quotaBytes?: number;
  /** A commit while another commit on the same namespace runs gets too_many_write_operations. */
  concurrentWriteLimit?: boolean;
  /** Links per sharing/list_shared_links page (no path given); tests lower it to see paging. */
  sharedLinksPageSize?: number;
}

export class Faults {
  private rules: Array<{ route: string; left: number; fault: Fault }> = [];
  settings: Realism = {};
  private windows = new Map<string, { second: number; count: number }>();

  inject(rule: FaultRule): void {
    this.rules.push({ route: rule.route, left: rule.times ?? 1, fault: rule.fault });
  }

  clear(): void {
    this.rules = [];
  }

  set(opts: Realism): void {
    this.settings = { ...this.settings, ...opts };
  }

  /** The next fault for this route, used up as it is taken. */
  take(route: string): Fault | undefined {
    const i = this.rules.findIndex((r) => r.route === '*' || r.route === route);
    if (i < 0) return undefined;
    const r = this.rules[i]!;
    if (--r.left <= 0) this.rules.splice(i, 1);
    return r.fault;
  }

  randomFailure(): 500 | 503 | undefined {
    const rate = this.settings.failureRate ?? 0;
    if (rate <= 0 || Math.random() >= rate) return undefined;
    return Math.random() < 0.5 ? 500 : 503;
  }

  /** Counts a request against its token's one-second window; true when over the limit. */
  overRateLimit(key: string): boolean {
    const limit = this.settings.rateLimitPerSecond;
    if (!limit) return false;
    const second = Math.floor(Date.now() / 1000);
    const w = this.windows.get(key);
    if (!w || w.second !== second) {
      this.windows.set(key, { second, count: 1 });
      return false;
    }
    return ++w.count > limit;
  }
}
