// Checkpoint areas in PostgreSQL: one row per (namespace, key), so a daemon resumes
// what another daemon of the cluster checkpointed before it died.
import type pg from 'pg';
import { safeName } from '../history.ts';
import type { CheckpointArea } from '../store.ts';

export function pgCheckpoints(pool: () => Promise<pg.Pool>, namespace: string): CheckpointArea {
  const ns = safeName(namespace, 'checkpoint namespace');
  const key = (k: string) => safeName(k, 'checkpoint key');
  return {
    async get(k) {
      const { rows } = await (
        await pool()
      ).query<{ value: string }>('SELECT value FROM dropcron.checkpoints WHERE namespace = $1 AND key = $2', [
        ns,
        key(k),
      ]);
      return rows[0]?.value;
    },
    async put(k, value) {
      await (
        await pool()
      ).query(
        `INSERT INTO dropcron.checkpoints (namespace, key, value) VALUES ($1, $2, $3)
         ON CONFLICT (namespace, key) DO UPDATE SET value = EXCLUDED.value, saved_at = now()`,
        [ns, key(k), value],
      );
    },
    async delete(k) {
      const { rowCount } = await (
        await pool()
      ).query('DELETE FROM dropcron.checkpoints WHERE namespace = $1 AND key = $2', [ns, key(k)]);
      return rowCount === 1;
    },
    async list() {
      const { rows } = await (
        await pool()
      ).query<{ key: string; value: string }>('SELECT key, value FROM dropcron.checkpoints WHERE namespace = $1', [ns]);
      return rows;
    },
  };
}
