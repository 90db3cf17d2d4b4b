// Exactly-once fires: every daemon's cron fires each slot, and each asks here before
// running it. The slot is a row (job, slot) inserted by whoever comes first; the job's
// running lease is a row per job that a live daemon holds while a run of the job is in
// progress (its heartbeat keeps it; a lease older than leaseMs belonged to a daemon that
// died and is taken over). Both in one transaction, so no two daemons run one slot, and
// overlap (skip, queue) holds across the cluster.
import type pg from 'pg';
import type { RunRecord } from '../history.ts';
import { interruptedRecord } from '../run-markers.ts';
import type { ClaimOutcome, RunClaim } from '../store.ts';
import { appendRun } from './history.ts';
import { inTransaction } from './transaction.ts';

/** Slot claims older than this are deleted (catch-up looks back one slot, never days). */
const KEEP_CLAIMS_DAYS = 7;

export class PgClaims {
  constructor(
    private readonly pool: () => Promise<pg.Pool>,
    private readonly owner: string,
    private readonly leaseMs: number,
  ) {}

  async claim(req: RunClaim): Promise<ClaimOutcome> {
    return inTransaction(await this.pool(), async (client) => {
      if (req.slot) {
        // Asked again for a slot it owns (overlap: queue waits), a daemon gets its own row back.
        const { rows } = await client.query<{ run_id: string }>(
          `INSERT INTO dropcron.slot_claims (job, slot, run_id, owner) VALUES ($1, $2, $3, $4)
           ON CONFLICT (job, slot) DO UPDATE SET job = EXCLUDED.job RETURNING run_id`,
          [req.job, req.slot, req.runId, this.owner],
        );
        if (rows[0]?.run_id !== req.runId) return { outcome: 'taken' };
      }
      if (req.lease === false) return { outcome: 'run' };
      const { rows } = await client.query<{ run_id: string }>(
        `INSERT INTO dropcron.job_leases AS l (job, run_id, owner) VALUES ($1, $2, $3)
         ON CONFLICT (job) DO UPDATE SET run_id = EXCLUDED.run_id, owner = EXCLUDED.owner, heartbeat_at = now()
         WHERE l.run_id = EXCLUDED.run_id OR l.heartbeat_at < now() - make_interval(secs => $4)
         RETURNING run_id`,
        [req.job, req.runId, this.owner, this.leaseMs / 1000],
      );
      if (rows.length) return { outcome: 'run' };
      const held = await client.query<{ run_id: string }>('SELECT run_id FROM dropcron.job_leases WHERE job = $1', [
        req.job,
      ]);
      return { outcome: 'busy', runningId: held.rows[0]?.run_id ?? '' };
    });
  }

  /**
   * One transaction: the lease back, the record in, the marker gone. A run whose lease
   * is no longer its own was fenced: it is recorded as interrupted (unless the daemon
   * that took over did so already), never with its result.
   */
  async finish(record: RunRecord, leased: boolean, historyLimit: number): Promise<boolean> {
    return inTransaction(await this.pool(), async (client) => {
      let fenced = false;
      if (leased && !record.dryRun) {
        const { rowCount } = await client.query('DELETE FROM dropcron.job_leases WHERE job = $1 AND run_id = $2', [
          record.job,
          record.id,
        ]);
        fenced = rowCount !== 1;
      }
      const stored = fenced
        ? interruptedRecord(
            record,
            new Date(record.endedAt),
            `the daemon ${this.owner} was cut off from the database and another daemon took the job over`,
          )
        : record;
      await appendRun(client, stored, historyLimit);
      await client.query('DELETE FROM dropcron.running WHERE id = $1', [record.id]);
      return !fenced;
    });
  }

  /** The lease back without a record: the run it was granted for did not happen. */
  async release(job: string, runId: string): Promise<void> {
    const pool = await this.pool();
    await pool.query('DELETE FROM dropcron.job_leases WHERE job = $1 AND run_id = $2', [job, runId]);
  }

  /** Keeps this daemon's leases alive. */
  async heartbeat(): Promise<void> {
    const pool = await this.pool();
    await pool.query('UPDATE dropcron.job_leases SET heartbeat_at = now() WHERE owner = $1', [this.owner]);
  }

  async prune(): Promise<void> {
    const pool = await this.pool();
    await pool.query('DELETE FROM dropcron.slot_claims WHERE claimed_at < now() - make_interval(days => $1)', [
      KEEP_CLAIMS_DAYS,
    ]);
  }
}
