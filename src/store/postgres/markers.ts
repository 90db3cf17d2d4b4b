// Runs in progress in PostgreSQL: a row per run, owned by the daemon running it and
// kept alive by that daemon's heartbeat. A row whose heartbeat is older than the lease
// belongs to a daemon that died (kill -9, power, network): any daemon records that run
// as interrupted, once, since the row is deleted in the same transaction.
import type pg from 'pg';
import { interruptedRecord, type MarkerRecord, type RunMarkers } from '../run-markers.ts';
import type { RunRecord } from '../history.ts';
import { appendRun } from './history.ts';
import { inTransaction } from './transaction.ts';

export class PgRunMarkers implements RunMarkers {
  constructor(
    private readonly pool: () => Promise<pg.Pool>,
    /** This daemon, as written into its rows (host, pid and a random part). */
    readonly owner: string,
  ) {}

  async write(record: MarkerRecord): Promise<void> {
    const pool = await this.pool();
    await pool.query(
      `INSERT INTO dropcron.running (id, job, owner, record) VALUES ($1, $2, $3, $4)
       ON CONFLICT (id) DO UPDATE SET record = EXCLUDED.record, heartbeat_at = now()
       WHERE dropcron.running.owner = EXCLUDED.owner`,
      [record.id, record.job, this.owner, JSON.stringify(record)],
    );
  }

  async remove(id: string): Promise<void> {
    const pool = await this.pool();
    await pool.query('DELETE FROM dropcron.running WHERE id = $1 AND owner = $2', [id, this.owner]);
  }

  /** Tells the cluster this daemon is alive: every run it holds stays its own. */
  async heartbeat(): Promise<void> {
    const pool = await this.pool();
    await pool.query('UPDATE dropcron.running SET heartbeat_at = now() WHERE owner = $1', [this.owner]);
  }

  /** Records each run whose daemon has not beaten for `leaseMs` as interrupted. */
  async recover(leaseMs: number, historyLimit: number, now = new Date()): Promise<RunRecord[]> {
    return inTransaction(await this.pool(), async (client) => {
      const { rows } = await client.query<{ owner: string; record: MarkerRecord }>(
        `DELETE FROM dropcron.running WHERE heartbeat_at < now() - make_interval(secs => $1)
         RETURNING owner, record`,
        [leaseMs / 1000],
      );
      const out: RunRecord[] = [];
      for (const { owner, record } of rows) {
        const lost = interruptedRecord(
          record,
          now,
          `the daemon ${owner} stopped (no heartbeat for ${leaseMs / 1000} s)`,
        );
        if (await appendRun(client, lost, historyLimit)) out.push(lost);
      }
      return out;
    });
  }
}
