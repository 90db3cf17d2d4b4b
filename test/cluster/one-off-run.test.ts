// `dropcron run` beside a cluster: a one-off run is nobody's cron slot, but it takes the
// job's lease, so it never runs beside a daemon's run of the job, and its heartbeat keeps
// the lease and its marker while it runs (no daemon takes it for dead).
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import pg from 'pg';
import { startDaemon } from '../../src/daemon.ts';
import { runJobCommand } from '../../src/commands/run.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { configTree, createTestPlugin, jobYaml } from '../helpers/test-plugin.ts';
import { postgresForFile } from '../helpers/postgres.ts';
import { until } from '../helpers/wait.ts';
import { captureLogger } from '../scheduler/harness.ts';

const server = postgresForFile();

async function oneOff(configFile: string, env: NodeJS.ProcessEnv) {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (c) => (err += c));
  const cli = { configFile, stdout: new PassThrough().resume(), stderr, stdin: new PassThrough() };
  const code = await runJobCommand(['long'], cli, { registry: createTestPlugin().registry, env });
  return { code, err };
}

describe('dropcron run against a postgres store', () => {
  it("waits for no daemon's run, holds the job's lease while it runs, and keeps its run alive", async () => {
    const url = await server().database();
    const { dir, configFile } = await configTree(
      { 'jobs/long.yaml': jobYaml('long', '0 0 1 1 *', '  - sleep: { ms: 4500 }\n') },
      `admin: { enabled: false }\nstore: { postgres: "${url}", leaseSeconds: 3 }\n`,
    );
    const env = { DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') };
    const db = new pg.Client(url);
    await db.connect();
    const daemon = await startDaemon(configFile, {
      registry: createTestPlugin().registry,
      log: captureLogger().log,
      env,
    });
    const other = new PostgresStore(
      { state: join(dir, 'state'), historyLimit: 10, store: { postgres: url, leaseSeconds: 3 } },
      env,
    );
    try {
      // A daemon runs the job: the one-off run does not run beside it.
      const running = daemon.scheduler.runNow('long');
      await until(
        async () => (await db.query('SELECT 1 FROM dropcron.job_leases WHERE run_id = $1', [running])).rowCount === 1,
        "the daemon's lease",
      );
      const refused = await oneOff(configFile, env);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain(`job long is running on another daemon (run ${running})`);
      await until(async () => (await daemon.scheduler.history.list('long')).length === 1, "the daemon's run to end");

      // Now it runs, holding the lease: a daemon's Run now finds the job busy.
      const cli = oneOff(configFile, env);
      await until(
        async () => (await db.query('SELECT 1 FROM dropcron.job_leases')).rowCount === 1,
        "the one-off run's lease",
      );
      const skipped = daemon.scheduler.runNow('long');
      // Longer than the lease: its heartbeat keeps its run its own.
      await new Promise((r) => setTimeout(r, 3_600));
      expect(await other.recoverInterrupted()).toEqual([]);
      expect((await cli).code).toBe(0);

      const runs = await daemon.scheduler.history.list('long');
      expect(runs.map((r) => [r.trigger, r.outcome])).toEqual([
        ['manual', 'success'],
        ['manual', 'skipped'],
        ['manual', 'success'],
      ]);
      expect(runs[1]!.id).toBe(skipped);
      expect((await db.query('SELECT * FROM dropcron.job_leases')).rows).toEqual([]);
      expect((await db.query('SELECT * FROM dropcron.slot_claims')).rows).toEqual([]);
    } finally {
      await other.close();
      await daemon.stop('test');
      await db.end();
    }
  });
});
