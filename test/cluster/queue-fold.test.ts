// overlap: queue in a cluster keeps one queued run per job and daemon: a run waiting for
// the job's lease another daemon holds is that daemon's queued run, and later fires on
// it fold into it, as they fold into the queued run behind a run of its own.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { startDaemon } from '../../src/daemon.ts';
import { configTree, createTestPlugin, jobYaml } from '../helpers/test-plugin.ts';
import { postgresForFile } from '../helpers/postgres.ts';
import { until } from '../helpers/wait.ts';
import { captureLogger } from '../scheduler/harness.ts';

const server = postgresForFile();

describe('overlap: queue across daemons', () => {
  it('folds the fires on a daemon waiting for another daemon into its one waiting run', async () => {
    const url = await server().database();
    const { configFile } = await configTree(
      { 'jobs/long.yaml': jobYaml('long', '0 0 1 1 *', '  - sleep: { ms: 2500 }\n', 'overlap: queue\n') },
      `admin: { enabled: false }\nstore: { postgres: "${url}" }\n`,
    );
    const env = { DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') };
    const a = await startDaemon(configFile, { registry: createTestPlugin().registry, log: captureLogger().log, env });
    const logB = captureLogger();
    const b = await startDaemon(configFile, { registry: createTestPlugin().registry, log: logB.log, env });
    try {
      const first = a.scheduler.runNow('long');
      // Its marker is written once it holds the job's lease.
      await until(
        async () => (await a.services.store.daemons()).some((d) => d.running.some((r) => r.runId === first)),
        "a's run to start",
      );
      const waiting = b.scheduler.runNow('long');
      await until(
        async () => logB.lines.some((l) => /is running on another daemon; this run waits/.test(String(l.msg))),
        "b's run to wait for a's",
      );
      expect(b.scheduler.runNow('long')).toBe(waiting);
      expect(b.scheduler.runNow('long')).toBe(waiting);
      await until(async () => (await b.scheduler.history.list('long')).length === 2, 'both runs to end', 30_000);
      // Nothing else was queued behind b's run.
      await b.scheduler.idle();
      const runs = await b.scheduler.history.list('long');
      expect(runs.map((r) => [r.id, r.outcome])).toEqual([
        [waiting, 'success'],
        [first, 'success'],
      ]);
    } finally {
      await a.stop('test');
      await b.stop('test');
    }
  });
});
