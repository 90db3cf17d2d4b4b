// The daemons table: a row per daemon of the cluster, beaten with its runs and leases
// (postgres-store.ts), deleted when it stops; a row that stopped beating is aged out.
// What a daemon runs is not copied here: its rows in `running` already say it.
import type pg from 'pg';
import { hostname } from 'node:os';
import { DAEMON_AGE_OUT_MS, type DaemonRun, type DaemonStatus } from '../daemons.ts';
import { DROPCRON_VERSION } from '../../version.ts';

interface Row {
  id: string;
  host: string;
  pid: number;
  version: string;
  started_at: Date;
  heartbeat_at: Date;
  alive: boolean;
  running: DaemonRun[];
}

export class PgDaemons {
  private registered = false;

  constructor(
    private readonly pool: () => Promise<pg.Pool>,
    private readonly owner: string,
    private readonly leaseMs: number,
  ) {}

  async register(): Promise<void> {
    const pool = await this.pool();
    await pool.query(
      `INSERT INTO dropcron.daemons (id, host, pid, version) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()`,
      [this.owner, hostname(), process.pid, DROPCRON_VERSION],
    );
    this.registered = true;
  }

  /** Keeps this daemon's row fresh (and puts it back if an operator deleted it); ages out the dead. */
  async heartbeat(): Promise<void> {
    if (!this.registered) return;
    await this.register();
    const pool = await this.pool();
    await pool.query('DELETE FROM dropcron.daemons WHERE heartbeat_at < now() - make_interval(secs => $1)', [
      DAEMON_AGE_OUT_MS / 1000,
    ]);
  }

  async list(): Promise<DaemonStatus[]> {
    const pool = await this.pool();
    const { rows } = await pool.query<Row>(
      `SELECT d.id, d.host, d.pid, d.version, d.started_at, d.heartbeat_at,
              d.heartbeat_at >= now() - make_interval(secs => $1) AS alive,
              COALESCE(json_agg(json_build_object('runId', r.id, 'job', r.job, 'startedAt', r.record->>'startedAt')
                                ORDER BY r.record->>'startedAt') FILTER (WHERE r.id IS NOT NULL), '[]') AS running
       FROM dropcron.daemons d LEFT JOIN dropcron.running r ON r.owner = d.id
       WHERE d.heartbeat_at >= now() - make_interval(secs => $2)
       GROUP BY d.id ORDER BY d.started_at, d.id`,
      [this.leaseMs / 1000, DAEMON_AGE_OUT_MS / 1000],
    );
    return rows.map((r) => ({
      id: r.id,
      host: r.host,
      pid: r.pid,
      version: r.version,
      startedAt: r.started_at.toISOString(),
      heartbeatAt: r.heartbeat_at.toISOString(),
      alive: r.alive,
      self: r.id === this.owner,
      running: r.running,
    }));
  }

  /** A daemon stopping cleanly leaves the list at once. */
  async leave(): Promise<void> {
    if (!this.registered) return;
    this.registered = false;
    const pool = await this.pool();
    await pool.query('DELETE FROM dropcron.daemons WHERE id = $1', [this.owner]);
  }
}
