// Admin sessions in PostgreSQL: a row per session (by the hash of its id), shared by
// every daemon of the cluster, so a sign-in or a sign-out on one holds on all.
import type pg from 'pg';
import type { AdminSessionRows } from '../admin-sessions.ts';

export function pgAdminSessions(pool: () => Promise<pg.Pool>): AdminSessionRows {
  const query = async <R extends pg.QueryResultRow>(sql: string, params: unknown[]) =>
    (await pool()).query<R>(sql, params);
  return {
    async get(key) {
      const { rows } = await query<{ csrf: string; expires: number }>(
        `SELECT csrf, (extract(epoch FROM expires_at) * 1000)::float8 AS expires
         FROM dropcron.admin_sessions WHERE key = $1`,
        [key],
      );
      const row = rows[0];
      return row && { csrf: row.csrf, expires: Math.round(row.expires) };
    },
    async put(key, row) {
      await query(
        `INSERT INTO dropcron.admin_sessions (key, csrf, expires_at) VALUES ($1, $2, to_timestamp($3 / 1000.0))
         ON CONFLICT (key) DO UPDATE SET csrf = EXCLUDED.csrf, expires_at = EXCLUDED.expires_at`,
        [key, row.csrf, row.expires],
      );
    },
    async delete(key) {
      await query('DELETE FROM dropcron.admin_sessions WHERE key = $1', [key]);
    },
    async sweep(now, keep) {
      await query(
        `DELETE FROM dropcron.admin_sessions WHERE expires_at < to_timestamp($1 / 1000.0)
           OR key IN (SELECT key FROM dropcron.admin_sessions ORDER BY expires_at DESC OFFSET $2)`,
        [now, keep],
      );
    },
  };
}
