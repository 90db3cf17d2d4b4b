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
      await inTransaction(await pool(), async (client) => {
        for (const [job, times] of Object.entries(jobs))
          await client.query(
            `INSERT INTO dropcron.fire_times (job, times) VALUES ($1, $2)
             ON CONFLICT (job) DO UPDATE SET times = EXCLUDED.times`,
            [job, JSON.stringify(times)],
          );
        await client.query('DELETE FROM dropcron.fire_times WHERE NOT (job = ANY($1))', [Object.keys(jobs)]);
      });
    },
  };
}
