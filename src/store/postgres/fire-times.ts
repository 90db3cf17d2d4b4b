// The scheduler's fire times in PostgreSQL: one row per job. Every daemon of a cluster
// saves the same slots, so the last writer wins without harm.
import type pg from 'pg';
import type { FireTimes, FireTimesRows } from '../store.ts';
import { inTransaction } from './transaction.ts';

export function pgFireTimes(pool: () => Promise<pg.Pool>): FireTimesRows {
  return {
    async load() {
      const { rows } = await (
        await pool()
      ).query<{ job: string; times: FireTimes }>('SELECT job, times FROM dropcron.fire_times');
      return Object.fromEntries(rows.map((r) => [r.job, r.times]));
    },
    async save(jobs) {
      // Rows in name order: two daemons saving at once lock them in the same order, never deadlock.
      const names = Object.keys(jobs).sort();
      await inTransaction(await pool(), async (client) => {
        await client.query(
          `INSERT INTO dropcron.fire_times (job, times)
           SELECT * FROM unnest($1::text[], $2::jsonb[]) ORDER BY 1
           ON CONFLICT (job) DO UPDATE SET times = EXCLUDED.times`,
          [names, names.map((n) => JSON.stringify(jobs[n]))],
        );
        await client.query('DELETE FROM dropcron.fire_times WHERE NOT (job = ANY($1))', [names]);
      });
    },
  };
}
