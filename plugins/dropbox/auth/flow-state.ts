// Pending sign-in flows, keyed by their random `state`. Held in memory only: the PKCE
// verifier never touches disk, and a restart simply ends every pending flow. Each state
// is bound to one connection and one flow, is single use, and expires after 10 minutes.
import { createState } from './pkce.ts';
import { AuthFlowError } from './errors.ts';

export const FLOW_TTL_MS = 10 * 60 * 1000;

export type FlowKind = 'cli-browser' | 'cli-paste' | 'ui-redirect' | 'ui-paste' | 'sandbox';

export interface PendingFlow {
  connection: string;
  flow: FlowKind;
  verifier: string;
  /** Exactly what was sent to /oauth2/authorize (undefined in paste mode). */
  redirectUri?: string;
  createdAt: number;
}

export class FlowStore {
  private readonly pending = new Map<string, PendingFlow>();
  /** States already used or expired, kept until they would have expired, to say "replayed". */
  private readonly spent = new Map<
    string,
    { until: number; why: 'used' | 'expired' | 'cancelled'; connection: string }
  >();

  constructor(
    readonly now: () => number = Date.now,
    readonly ttlMs = FLOW_TTL_MS,
  ) {}

  create(entry: Omit<PendingFlow, 'createdAt'>): string {
    this.sweep();
    const state = createState();
    this.pending.set(state, { ...entry, createdAt: this.now() });
    return state;
  }

  /**
   * Takes the flow for `state`, once. Throws AuthFlowError for an unknown (forged),
   * already used (replayed), expired, or other connection's state. With no
   * `connection`, the state alone identifies the flow (callbacks carry only state).
   */
  take(state: string | undefined, connection?: string): PendingFlow {
    const now = this.now();
    if (!state) throw new AuthFlowError('the sign-in response has no state parameter; start the sign-in again');
    const entry = this.pending.get(state);
    if (!entry) {
      this.sweep();
      const gone = this.spent.get(state);
      if (gone?.why === 'used')
        throw new AuthFlowError('this sign-in response was already used (replayed state); start the sign-in again');
      if (gone)
        throw new AuthFlowError(
          `the sign-in for '${gone.connection}' ${gone.why === 'expired' ? `expired (more than ${this.minutes} minutes passed)` : 'was cancelled'}; start it again`,
        );
      throw new AuthFlowError(
        'the sign-in response does not belong to a sign-in started here (unknown state); start the sign-in again',
      );
    }
    // Any use ends the flow, even a mismatched one: a state is never tried twice.
    this.pending.delete(state);
    const expired = now - entry.createdAt > this.ttlMs;
    this.spent.set(state, {
      until: entry.createdAt + this.ttlMs,
      why: expired ? 'expired' : 'used',
      connection: entry.connection,
    });
    if (connection !== undefined && entry.connection !== connection) {
      throw new AuthFlowError(
        `the sign-in response belongs to connection '${entry.connection}', not '${connection}'; start the sign-in again`,
      );
    }
    if (expired)
      throw new AuthFlowError(
        `the sign-in for '${entry.connection}' expired (more than ${this.minutes} minutes passed); start it again`,
      );
    return entry;
  }

  /** Ends a flow without using it (timeout, cancel). */
  cancel(state: string): void {
    const entry = this.pending.get(state);
    if (!entry) return;
    this.pending.delete(state);
    this.spent.set(state, { until: entry.createdAt + this.ttlMs, why: 'cancelled', connection: entry.connection });
  }

  private get minutes(): number {
    return Math.round(this.ttlMs / 60000);
  }

  get size(): number {
    return this.pending.size;
  }

  private sweep(): void {
    const now = this.now();
    for (const [s, e] of this.pending)
      if (now - e.createdAt > this.ttlMs) {
        this.pending.delete(s);
        this.spent.set(s, { until: e.createdAt + this.ttlMs, why: 'expired', connection: e.connection });
      }
    // Forget spent states a while after they expired: by then a replay reads "unknown".
    for (const [s, g] of this.spent) if (now > g.until + this.ttlMs) this.spent.delete(s);
  }
}

/** The process's flows: the admin UI's begin and complete arrive as separate requests. */
export const flows = new FlowStore();
