// Three daemons on one PostgreSQL, each with its own pool and its own cron timers: every
// daemon fires every slot, and the store's claim lets exactly one of them run it.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import type { RunRecord } from '../../src/store/history.ts';
import { configTree, createTestPlugin, jobYaml } from '../helpers/test-plugin.ts';
import { postgresForFile } from '../helpers/postgres.ts';
import { captureLogger } from '../scheduler/harness.ts';

const JOBS = Array.from({ length: 20 }, (_, i) => `j${String(i + 1).padStart(2, '0')}`);
const EVERY_MS = 2_000;
const WINDOW_MS = 36_000;

const server = postgresForFile();

describe('three daemons on one database', () => {
  it('run each slot of 20 jobs firing every 2 s exactly once, and overlap: skip across daemons', async () => {
    const url = await server().database();
    const files: Record<string, string> = {};
    // catchUp: a slot a blocked event loop made every daemon miss still runs, once.
    for (const name of JOBS)
      files[`jobs/${name}.yaml`] = jobYaml(name, '*/2 * * * * *', '  - emit: { items: [] }\n', 'catchUp: true\n');
    // Runs 3 s, fires every 2 s: every other slot finds it running on some daemon.
    files['jobs/slow.yaml'] = jobYaml('slow', '*/2 * * * * *', '  - sleep: { ms: 3000 }\n', 'overlap: skip\n');
    const { configFile } = await configTree(
      files,
      `admin: { enabled: false }\nmaxConcurrentJobs: 25\nshutdownGraceSeconds: 10\nstore: { postgres: "${url}" }\n`,
    );
    const env = { DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') };
    const daemons: Daemon[] = [];
    try {
      for (let i = 0; i < 3; i++)
        daemons.push(
          await startDaemon(configFile, { registry: createTestPlugin().registry, log: captureLogger().log, env }),
        );
      const from = Date.now();
      await new Promise((r) => setTimeout(r, WINDOW_MS));
      const to = Date.now();
      await Promise.all(daemons.splice(0).map((d) => d.stop('test')));

      const db = new pg.Client(url);
      await db.connect();
      let runs: RunRecord[];
      try {
        runs = (await db.query<{ record: RunRecord }>('SELECT record FROM dropcron.runs')).rows.map((r) => r.record);
      } finally {
        await db.end();
      }
      // Slots every daemon was up for, a second clear of each end.
      const expected: string[] = [];
      for (let t = Math.ceil((from + 1_000) / EVERY_MS) * EVERY_MS; t < to - 1_000; t += EVERY_MS)
        expected.push(new Date(t).toISOString());
      expect(expected.length).toBeGreaterThanOrEqual(15);
      for (const job of JOBS) {
        const slots = runs.filter((r) => r.job === job).map((r) => r.scheduledAt!);
        expect(slots.length, `${job}: a slot ran twice`).toBe(new Set(slots).size);
        expect(slots.filter((s) => expected.includes(s)).sort(), job).toEqual(expected);
        expect(runs.filter((r) => r.job === job && r.outcome !== 'success')).toEqual([]);
      }
      const slow = runs.filter((r) => r.job === 'slow');
      const slowSlots = slow.map((r) => r.scheduledAt!);
      expect(slowSlots.length, 'slow: a slot ran twice').toBe(new Set(slowSlots).size);
      const ran = slow.filter((r) => r.outcome !== 'skipped').sort((a, b) => a.startedAt.localeCompare(b.startedAt));
      expect(ran.length).toBeGreaterThanOrEqual(5);
      expect(slow.filter((r) => r.outcome === 'skipped').length).toBeGreaterThanOrEqual(5);
      for (let i = 1; i < ran.length; i++)
        expect(ran[i]!.startedAt >= ran[i - 1]!.endedAt, `slow runs ${i - 1} and ${i} overlap`).toBe(true);
    } finally {
      await Promise.all(daemons.map((d) => d.stop('test')));
    }
  });
});
