// A daemon killed mid-run: its lease lapses, another daemon records the run as
// interrupted and, since the job has retries, runs it again.
import { describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { startDaemon } from '../../src/daemon.ts';
import type { RunRecord } from '../../src/store/history.ts';
import { configTree, createTestPlugin, jobYaml } from '../helpers/test-plugin.ts';
import { postgresForFile } from '../helpers/postgres.ts';
import { spawnDaemon } from './fixtures/spawn.ts';
import { until } from '../helpers/wait.ts';
import { captureLogger } from '../scheduler/harness.ts';

const child = fileURLToPath(new URL('./fixtures/daemon.ts', import.meta.url));

const server = postgresForFile();

describe('a daemon killed mid-run', () => {
  it('loses its lease; another daemon records the run interrupted and retries it', async () => {
    const url = await server().database();
    const tasks = '  - emit: { items: [a] }\n  - sleep: { ms: 3000, id: second }\n';
    const { configFile } = await configTree(
      { 'jobs/long.yaml': jobYaml('long', '0 0 1 1 *', tasks, 'retries: { count: 1, backoff: 1s }\n') },
      `admin: { enabled: false }\nstore: { postgres: "${url}", leaseSeconds: 3 }\n`,
    );
    const env = { ...process.env, DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') };
    const { proc, runId } = await spawnDaemon(child, [configFile, 'long', url], env);
    proc.kill('SIGKILL');
    await once(proc, 'exit');

    const { lines, log } = captureLogger();
    const other = await startDaemon(configFile, { registry: createTestPlugin().registry, log, env });
    try {
      let runs: RunRecord[] = [];
      await until(
        async () => (runs = await other.scheduler.history.list('long')).some((r) => r.outcome === 'success'),
        'the retry to succeed on the other daemon',
        40_000,
      );
      const [retry, lost, ...rest] = runs;
      expect(rest).toEqual([]);
      expect(lost).toMatchObject({
        id: runId,
        outcome: 'interrupted',
        code: 'DC_INTERRUPTED',
        attempt: 1,
        error: expect.stringMatching(/no heartbeat for 3 s/),
      });
      expect(lost!.tasks.map((t) => t.type)).toEqual(['emit']);
      expect(retry).toMatchObject({ trigger: 'retry', attempt: 2, outcome: 'success' });
      expect(lines.some((l) => /retry 1 of 1 for long/.test(String(l.msg)))).toBe(true);
    } finally {
      await other.stop('test');
    }
  });
});
