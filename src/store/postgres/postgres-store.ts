// The `postgres` store: what several daemons share. Connects lazily; the first call
// (or start()) migrates the schema. Every daemon of a cluster must seal the vault
// under the same master key, so the first one records the key's id and the others
// are refused with the fix instead of writing entries nobody else can open.
import type pg from 'pg';
import { createRequire } from 'node:module';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { oneLine } from '../../one-line.ts';
import { coreError } from '../../errors.ts';
import type { RunRecord } from '../history.ts';
import type { DaemonStatus } from '../daemons.ts';
import { loadMasterKey, MasterKeyError, type MasterKey } from '../master-key.ts';
import { Vault } from '../vault.ts';
import type {
  CheckpointArea,
  ClaimOutcome,
  DefinitionRows,
  FireTimesRows,
  PostgresSetting,
  RunClaim,
  Store,
  StoreHealth,
  StoreSettings,
} from '../store.ts';
import { pgCheckpoints } from './checkpoints.ts';
import { pgAdminSessions } from './admin-sessions.ts';
import type { AdminSessionRows } from '../admin-sessions.ts';
import { PgClaims } from './claims.ts';
import { PgDaemons } from './daemons.ts';
import { pgWithLock } from './locks.ts';
import { pgDefinitions } from './definitions.ts';
import { pgFireTimes } from './fire-times.ts';
import { PgRunHistory } from './history.ts';
import { PgRunMarkers } from './markers.ts';
import { migrate } from './migrations.ts';
import { reconnecting } from './reconnect.ts';
import { PgVaultRows } from './vault-rows.ts';

export interface PostgresStoreOptions {
  /** A run whose daemon has not beaten for this long is taken as lost (30 s). */
  leaseMs?: number;
  /** A pool that lets the process exit while idle (a vault shared by one-off callers). */
  allowExitOnIdle?: boolean;
}

export const LEASE_MS = 30_000;

export class PostgresStore implements Store {
  readonly kind = 'postgres';
  readonly history: PgRunHistory;
  readonly markers: PgRunMarkers;
  readonly fireTimes: FireTimesRows;
  readonly adminSessions: AdminSessionRows;
  readonly definitions: DefinitionRows;
  private readonly claims: PgClaims;
  private readonly daemonRows: PgDaemons;
  readonly owner = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  readonly leaseMs: number;
  private readonly pool: pg.Pool;
  private ready: Promise<pg.Pool> | undefined;
  private vaultP: Promise<Vault> | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private lastError: string | undefined;
  /** When this daemon last told the database it is alive (or started). */
  private lastBeat = Date.now();

  constructor(
    private readonly settings: StoreSettings & { store: PostgresSetting },
    private readonly env: NodeJS.ProcessEnv = process.env,
    opts: PostgresStoreOptions = {},
  ) {
    this.leaseMs = opts.leaseMs ?? (settings.store.leaseSeconds ?? LEASE_MS / 1000) * 1000;
    // Required here, not imported at the top: the file store (the default) and
    // `dropcron --help` never load the PostgreSQL client.
    const { Pool } = createRequire(import.meta.url)('pg') as typeof pg;
    this.pool = new Pool({
      connectionString: settings.store.postgres,
      max: 5,
      allowExitOnIdle: opts.allowExitOnIdle ?? false,
    });
    // An idle client losing its server must not crash the daemon. The next query opens a
    // new one; whether the database answers is the heartbeat's to judge (health()).
    this.pool.on('error', () => {});
    const pool = () => this.connected();
    this.history = new PgRunHistory(pool, settings.historyLimit);
    this.markers = new PgRunMarkers(pool, this.owner);
    this.fireTimes = pgFireTimes(pool);
    this.adminSessions = pgAdminSessions(pool);
    this.definitions = pgDefinitions(pool);
    this.claims = new PgClaims(pool, this.owner, this.leaseMs);
    this.daemonRows = new PgDaemons(pool, this.owner, this.leaseMs);
  }

  get daemonId(): string {
    return this.owner;
  }

  registerDaemon(): Promise<void> {
    return this.daemonRows.register();
  }

  daemons(): Promise<DaemonStatus[]> {
    return this.daemonRows.list();
  }

  async start(): Promise<void> {
    await this.connected();
    await this.vault();
    await this.claims.prune();
    this.heartbeat ??= setInterval(() => void this.beat(), this.leaseMs / 3).unref();
  }

  /**
   * Refused while this daemon's heartbeat is failing: its leases may have lapsed, and a
   * daemon that cannot prove it is alive must not start runs others may start too.
   */
  async claim(req: RunClaim): Promise<ClaimOutcome> {
    const health = this.health();
    if (!health.ok) throw coreError('DC_STORE', `not claiming runs: ${health.error}`);
    return reconnecting(() => this.claims.claim(req));
  }

  finishRun(record: RunRecord, leased: boolean): Promise<boolean> {
    return reconnecting(() => this.claims.finish(record, leased, this.settings.historyLimit));
  }

  release(job: string, runId: string): Promise<void> {
    return reconnecting(() => this.claims.release(job, runId));
  }

  /** A key or database problem is not cached: fixing it and asking again works without a restart. */
  vault(): Promise<Vault> {
    if (!this.vaultP) {
      const opening = (async () => {
        const master = await loadMasterKey(this.settings.state, this.env);
        await this.checkClusterKey(master);
        return new Vault(new PgVaultRows(() => this.connected()), master);
      })();
      opening.catch(() => {
        if (this.vaultP === opening) this.vaultP = undefined;
      });
      this.vaultP = opening;
    }
    return this.vaultP;
  }

  checkpoints(namespace: string): CheckpointArea {
    return pgCheckpoints(() => this.connected(), namespace);
  }

  withLock<T>(key: string, ttlMs: number, fn: () => Promise<T>): Promise<T> {
    return pgWithLock(() => this.connected(), key, ttlMs, fn);
  }

  recoverInterrupted(now?: Date) {
    return this.markers.recover(this.leaseMs, this.settings.historyLimit, now);
  }

  health(): StoreHealth {
    const silent = Date.now() - this.lastBeat;
    const error =
      this.lastError && silent > this.leaseMs / 3
        ? `the database is unreachable (${this.lastError}) and this daemon's last heartbeat was ${Math.round(silent / 1000)} s ago`
        : undefined;
    return { kind: this.kind, ok: !error, ...(error ? { error } : {}) };
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    // Best effort: a daemon that cannot say it left ages out of the list instead.
    await this.daemonRows.leave().catch(() => {});
    await this.pool.end();
  }

  /** Keeps this daemon's runs and leases its own; a failure shows in health until one succeeds. */
  private async beat(): Promise<void> {
    try {
      await this.markers.heartbeat();
      await this.claims.heartbeat();
      await this.daemonRows.heartbeat();
      this.lastError = undefined;
      this.lastBeat = Date.now();
    } catch (err) {
      this.failed(err);
    }
  }

  private readonly failed = (err: unknown) => (this.lastError = oneLine(err, 200));

  /** The pool once the schema is migrated; a failed migration is tried again at the next call. */
  private connected(): Promise<pg.Pool> {
    if (!this.ready) {
      const migrating = migrate(this.pool).then(() => this.pool);
      migrating.catch((err: unknown) => {
        this.failed(err);
        if (this.ready === migrating) this.ready = undefined;
      });
      this.ready = migrating;
    }
    return this.ready;
  }

  private async checkClusterKey(master: MasterKey): Promise<void> {
    const pool = await this.connected();
    await pool.query(
      "INSERT INTO dropcron.meta (key, value) VALUES ('master-key-id', $1) ON CONFLICT (key) DO NOTHING",
      [master.kid],
    );
    const { rows } = await pool.query<{ value: string }>("SELECT value FROM dropcron.meta WHERE key = 'master-key-id'");
    const kid = rows[0]?.value;
    if (kid !== master.kid)
      throw new MasterKeyError(
        `the master key from ${master.source} (key id ${master.kid}) is not the one this database's vault is sealed with (key id ${kid}); give every daemon the same DROPCRON_MASTER_KEY`,
      );
  }
}
