// The schema of the postgres store, one migration per version, applied at start in
// order under an advisory lock, so daemons starting together migrate once and none
// of them reads a half-made schema. A database newer than this code is refused.
import type pg from 'pg';
import { checkout } from './transaction.ts';

/** Any constant works, as long as every dropcron uses the same one ('drop' in ASCII). */
const MIGRATION_LOCK = 0x64726f70;

/** Index i holds the step from version i to i + 1. Never edit a released step; add one. */
export const MIGRATIONS: string[] = [
  `CREATE TABLE dropcron.runs (
     seq bigserial PRIMARY KEY,
     id text NOT NULL UNIQUE,
     job text NOT NULL,
     record jsonb NOT NULL
   );
   CREATE INDEX runs_job_seq ON dropcron.runs (job, seq DESC);
   CREATE TABLE dropcron.vault (connection text PRIMARY KEY, entry text NOT NULL);
   CREATE TABLE dropcron.fire_times (job text PRIMARY KEY, times jsonb NOT NULL);
   CREATE TABLE dropcron.running (
     id text PRIMARY KEY,
     job text NOT NULL,
     owner text NOT NULL,
     heartbeat_at timestamptz NOT NULL DEFAULT now(),
     record jsonb NOT NULL
   );
   CREATE TABLE dropcron.meta (key text PRIMARY KEY, value text NOT NULL);`,
  `CREATE TABLE dropcron.slot_claims (
     job text NOT NULL,
     slot timestamptz NOT NULL,
     run_id text NOT NULL,
     owner text NOT NULL,
     claimed_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (job, slot)
   );
   CREATE TABLE dropcron.job_leases (
     job text PRIMARY KEY,
     run_id text NOT NULL,
     owner text NOT NULL,
     heartbeat_at timestamptz NOT NULL DEFAULT now()
   );`,
  `CREATE TABLE dropcron.checkpoints (
     namespace text NOT NULL,
     key text NOT NULL,
     value text NOT NULL,
     saved_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (namespace, key)
   );`,
  // The cluster: its daemons, locks across daemons (one token refresh per connection),
  // and admin sessions (signed in on one daemon, signed in on all).
  `CREATE TABLE dropcron.daemons (
     id text PRIMARY KEY,
     host text NOT NULL,
     pid integer NOT NULL,
     version text NOT NULL,
     started_at timestamptz NOT NULL DEFAULT now(),
     heartbeat_at timestamptz NOT NULL DEFAULT now()
   );
   CREATE TABLE dropcron.locks (
     key text PRIMARY KEY,
     holder text NOT NULL,
     expires_at timestamptz NOT NULL
   );
   CREATE TABLE dropcron.admin_sessions (
     key text PRIMARY KEY,
     csrf text NOT NULL,
     expires_at timestamptz NOT NULL
   );`,
  // Connection and job files shared by the cluster (definitions.ts); text NULL: deleted.
  `CREATE SEQUENCE dropcron.definition_versions;
   CREATE TABLE dropcron.definitions (
     kind text NOT NULL CHECK (kind IN ('connections', 'jobs')),
     name text NOT NULL,
     text text,
     version bigint NOT NULL,
     updated_at timestamptz NOT NULL DEFAULT now(),
     updated_by text NOT NULL,
     PRIMARY KEY (kind, name)
   );
   CREATE INDEX definitions_version ON dropcron.definitions (version);`,
];

export async function migrate(pool: pg.Pool): Promise<void> {
  const { client, release } = await checkout(pool);
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      await client.query('BEGIN');
      await client.query('CREATE SCHEMA IF NOT EXISTS dropcron');
      await client.query('CREATE TABLE IF NOT EXISTS dropcron.schema_version (version integer NOT NULL)');
      const { rows } = await client.query<{ version: number }>('SELECT version FROM dropcron.schema_version');
      const current = rows[0]?.version ?? 0;
      if (current > MIGRATIONS.length)
        throw new Error(
          `the database has dropcron schema version ${current}, newer than this dropcron knows (${MIGRATIONS.length}); upgrade dropcron`,
        );
      for (const step of MIGRATIONS.slice(current)) await client.query(step);
      if (!rows.length) await client.query('INSERT INTO dropcron.schema_version VALUES ($1)', [MIGRATIONS.length]);
      else await client.query('UPDATE dropcron.schema_version SET version = $1', [MIGRATIONS.length]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw err;
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => {});
    }
  } finally {
    release();
  }
}
