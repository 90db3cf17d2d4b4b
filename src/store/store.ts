// The store: everything the daemon remembers, behind one interface with two backends,
// `file` (the state directory; the default, needs nothing) and `postgres` (shared by
// the daemons of a cluster). The scheduler, the CLI and the admin server talk to this
// interface only, so their code is the same on one machine and in a cluster.
import type { RunHistory, RunRecord } from './history.ts';
import type { RunMarkers } from './run-markers.ts';
import type { Vault } from './vault.ts';

/** Per job: the last slot that fired and the next one expected (catch-up after downtime). */
export interface FireTimes {
  /** The expression and zone the slots below belong to; a changed schedule resets them. */
  schedule: string;
  timezone: string;
  lastScheduledAt?: string;
  nextScheduledAt?: string;
}

/** The scheduler's state: the fire times of every job, read at start and saved as they change. */
export interface FireTimesRows {
  load(): Promise<Record<string, FireTimes>>;
  save(jobs: Record<string, FireTimes>): Promise<void>;
}

export interface StoreHealth {
  kind: Store['kind'];
  ok: boolean;
  /** Why not, in one line. */
  error?: string;
}

export interface Store {
  readonly kind: 'file' | 'postgres';
  readonly history: RunHistory;
  /** A marker per run in progress, so a run whose process died is recorded as interrupted. */
  readonly markers: RunMarkers;
  readonly fireTimes: FireTimesRows;
  /** Connects and migrates (postgres) or creates the state directory (file); before any other call. */
  start(): Promise<void>;
  /** The vault, its entries sealed under the master key (which every daemon of a cluster shares). */
  vault(): Promise<Vault>;
  /**
   * Records each run whose process (file) or daemon (postgres) is gone as `interrupted`,
   * once, and returns those records.
   */
  recoverInterrupted(now?: Date): Promise<RunRecord[]>;
  health(): StoreHealth;
  close(): Promise<void>;
}

/** What a store is opened from: config.yaml's settings. */
export interface StoreSettings {
  state: string;
  store: 'file' | { postgres: string };
  historyLimit: number;
}
