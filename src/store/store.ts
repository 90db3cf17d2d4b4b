// The store: everything the daemon remembers, behind one interface with two backends,
// `file` (the state directory; the default, needs nothing) and `postgres` (shared by
// the daemons of a cluster). The scheduler, the CLI and the admin server talk to this
// interface only, so their code is the same on one machine and in a cluster.
import type { AdminSessionRows } from './admin-sessions.ts';
import type { DaemonStatus } from './daemons.ts';
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

/** A daemon asking to start a run. */
export interface RunClaim {
  job: string;
  runId: string;
  /**
   * The cron slot a scheduled or catch-up run belongs to: of all the daemons that ask
   * for the same job and slot, exactly one is granted it. Run now and retries have none.
   */
  slot?: Date;
  /** false: the slot only (a run skipped by overlap is recorded by one daemon); true by default. */
  lease?: boolean;
}

/**
 * `run`: this daemon runs it and holds the job's running lease until release() (or
 * owns the slot, when asked for no lease);
 * `taken`: another daemon claimed this slot; `busy`: this daemon owns the slot (or
 * the run) but another daemon is running the job, so the job's overlap policy applies.
 */
export type ClaimOutcome = { outcome: 'run' } | { outcome: 'taken' } | { outcome: 'busy'; runningId: string };

/**
 * A small key/value area a plugin keeps its own records in (the Dropbox plugin: where
 * each upload session stands), reached through Services.store.checkpoints(namespace).
 * Values are text the plugin writes and parses; a value that does not parse is the
 * plugin's to judge (the file store may hold one torn by a foreign write).
 */
export interface CheckpointArea {
  get(key: string): Promise<string | undefined>;
  /** Replaces the value at once: a reader sees the old value or the new, never part of one. */
  put(key: string, value: string): Promise<void>;
  /** True if there was a value. */
  delete(key: string): Promise<boolean>;
  list(): Promise<Array<{ key: string; value: string }>>;
}

/** What of the store a plugin reaches (Services.store). */
export interface PluginStore {
  /** The area `namespace` (letters, digits, `.`, `_`, `-`); keys are names of the same kind. */
  checkpoints(namespace: string): CheckpointArea;
  /**
   * Runs `fn` holding the lock `key` (a name like a namespace's), which no other caller
   * holds at the same time: not in this process, not in another process on this state
   * directory, not on another daemon of the cluster. A holder that dies frees it after
   * `ttlMs` (the file store: after its lock files' 30 s), so `fn` must finish sooner.
   */
  withLock<T>(key: string, ttlMs: number, fn: () => Promise<T>): Promise<T>;
}

/** Which folder a definition lives in: the config's `connections:` or `jobs:`. */
export type DefinitionKind = 'connections' | 'jobs';

/** A connection or job file, its YAML text verbatim (comments and key order kept). */
export interface Definition {
  kind: DefinitionKind;
  /** The file's name in its folder (`nightly.yaml`): what a daemon writes it as. */
  name: string;
  text: string;
  /** Opaque; changes whenever the text does. The base of a compare-and-set. */
  version: string;
  updatedAt?: string;
  /** Who published it: `apply@host`, or a daemon's owner id. */
  updatedBy?: string;
}

/** One file to publish (`text`) or delete (no `text`). */
export interface DefinitionChange {
  kind: DefinitionKind;
  name: string;
  text?: string;
  /**
   * Compare-and-set: the version this change was based on, null when it was based on
   * the file not existing. Left out: unconditional.
   */
  base?: string | null;
}

/**
 * The connection and job definitions. With PostgreSQL they are shared by every daemon
 * of the cluster, and each daemon mirrors them into its own folders
 * (definitions-mirror.ts); with the file store they are those folders.
 */
export interface DefinitionRows {
  /** True when the daemons of a cluster share them (so each daemon mirrors them). */
  readonly shared: boolean;
  /** Changes whenever any definition changes, a delete included; cheap enough to poll every second. */
  revision(): Promise<string>;
  list(): Promise<Definition[]>;
  /**
   * All changes or none, in one transaction. Throws StaleDefinitionError when any
   * change's base is not the current version. Returns the definitions written
   * (a change to the text already there writes nothing and returns it as it is).
   */
  apply(changes: DefinitionChange[], by: string): Promise<Definition[]>;
}

export interface StoreHealth {
  kind: Store['kind'];
  ok: boolean;
  /** Why not, in one line. */
  error?: string;
}

export interface Store extends PluginStore {
  readonly kind: 'file' | 'postgres';
  readonly history: RunHistory;
  /** A marker per run in progress, so a run whose process died is recorded as interrupted. */
  readonly markers: RunMarkers;
  readonly fireTimes: FireTimesRows;
  /** The admin server's sessions (by the hash of their id), shared by a cluster's daemons. */
  readonly adminSessions: AdminSessionRows;
  readonly definitions: DefinitionRows;
  /** Connects and migrates (postgres) or creates the state directory (file); before any other call. */
  start(): Promise<void>;
  /** The vault, its entries sealed under the master key (which every daemon of a cluster shares). */
  vault(): Promise<Vault>;
  /**
   * Records each run whose process (file) or daemon (postgres) is gone as `interrupted`,
   * once, and returns those records.
   */
  recoverInterrupted(now?: Date): Promise<RunRecord[]>;
  /** One transaction: the slot (if any) and the job's running lease. The file store always grants. */
  claim(req: RunClaim): Promise<ClaimOutcome>;
  /**
   * Records a run's end at once: its history record, its marker gone, and (`leased`:
   * a run granted by claim()) the job's lease back. False when the run was fenced:
   * another daemon took the lease over while this one was cut off from the store, so
   * the result is not recorded (the run is recorded as interrupted instead).
   */
  finishRun(record: RunRecord, leased: boolean): Promise<boolean>;
  /**
   * Gives back the job's lease claim() granted `runId`, for a run that turned out to have
   * nothing to do (a change run whose changes another daemon's run took): no history
   * record, no marker. A lease no longer held by `runId` is left alone.
   */
  release(job: string, runId: string): Promise<void>;
  health(): StoreHealth;
  /** This process's id among the cluster's daemons (DaemonStatus.id). */
  readonly daemonId: string;
  /** Lists this process among the cluster's daemons, its heartbeat keeping it there until close(). */
  registerDaemon(): Promise<void>;
  /** The cluster's daemons, oldest first (the file store: this one, once registered). */
  daemons(): Promise<DaemonStatus[]>;
  close(): Promise<void>;
}

/** What a store is opened from: config.yaml's settings. */
/** `store: { postgres: URL }` in config.yaml. */
export interface PostgresSetting {
  postgres: string;
  leaseSeconds?: number;
}

export interface StoreSettings {
  state: string;
  /** The config's folders; the file store's definitions are these files. */
  connections?: string;
  jobs?: string;
  store: 'file' | PostgresSetting;
  historyLimit: number;
}
