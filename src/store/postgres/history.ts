// Run history in PostgreSQL: one row per run, in the order appended; each job keeps
// its newest `limit` runs. A run id already stored is not stored again, so a run
// recorded twice (recovery racing the run's own end) counts once.
import type pg from 'pg';
import { jobName, type RunHistory, type RunRecord } from '../history.ts';

export class PgRunHistory implements RunHistory {
  constructor(
    private readonly pool: () => Promise<pg.Pool>,
    private readonly limit: number,
  ) {}

  async list(job: string, limit = Infinity): Promise<RunRecord[]> {
    const pool = await this.pool();
    const { rows } = await pool.query<{ record: RunRecord }>(
      'SELECT record FROM dropcron.runs WHERE job = $1 ORDER BY seq DESC LIMIT $2',
      [jobName(job), Number.isFinite(limit) ? limit : null],
    );
    return rows.map((r) => r.record);
  }

  async append(record: RunRecord): Promise<void> {
    await appendRun(await this.pool(), record, this.limit);
  }

  async flush(): Promise<void> {}
}

/** Appends one run and trims its job to `limit` runs; on a pool or inside a transaction. */
export async function appendRun(db: pg.Pool | pg.PoolClient, record: RunRecord, limit: number): Promise<boolean> {
  const job = jobName(record.job);
  const { rowCount } = await db.query(
    'INSERT INTO dropcron.runs (id, job, record) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING',
    [record.id, job, JSON.stringify(record)],
  );
  await db.query(
    `DELETE FROM dropcron.runs WHERE job = $1 AND seq < (
       SELECT seq FROM dropcron.runs WHERE job = $1 ORDER BY seq DESC OFFSET $2 LIMIT 1)`,
    [job, limit - 1],
  );
  return rowCount === 1;
}
