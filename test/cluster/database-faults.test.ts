// Three daemons on one PostgreSQL when the database fails them: restarted under them
// (pg_ctl restart mid-run), every daemon reconnects and no fire is lost or run twice;
// one daemon cut off (its backends terminated, its role refused new connections), it
// stops claiming and says so in /health while the other two carry on.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { RECOVER_MS } from '../../src/scheduler/scheduler.ts';
import type { RunRecord } from '../../src/store/history.ts';
import type { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import { configTree, createTestPlugin, jobYaml } from '../helpers/test-plugin.ts';
import { postgresForFile } from '../helpers/postgres.ts';
import { until } from '../helpers/wait.ts';
import { captureLogger } from '../scheduler/harness.ts';

const JOBS = ['a1', 'a2', 'a3', 'a4'];
const EVERY_MS = 2_000;
const LONG_MS = 3_000;
const server = postgresForFile();

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const db = new pg.Client(url);
  await db.connect();
  try {
    return (await db.query<T>(text)).rows;
  } finally {
    await db.end();
  }
}

/** A config tree of JOBS firing every 2 s and a 3 s job run by hand, on `url`; `extra` adds config lines. */
async function cluster(url: string, leaseSeconds: number, extra: string) {
  const files: Record<string, string> = {};
  for (const name of JOBS) files[`jobs/${name}.yaml`] = jobYaml(name, '*/2 * * * * *', '  - emit: { items: [] }\n');
  files['jobs/long.yaml'] = jobYaml('long', '0 0 1 1 *', `  - sleep: { ms: ${LONG_MS} }\n`);
  const config = `maxConcurrentJobs: 10\nshutdownGraceSeconds: 10\n${extra}`;
  return configTree(files, `${config}store: { postgres: "${url}", leaseSeconds: ${leaseSeconds} }\n`);
}

const start = (configFile: string, env: NodeJS.ProcessEnv) => {
  const { log, lines } = captureLogger();
  return startDaemon(configFile, { registry: createTestPlugin().registry, log, env }).then((d) => ({ d, lines }));
};

/** The slots every daemon was up for between `from` and `to`, a second clear of each end. */
function slotsBetween(from: number, to: number): string[] {
  const out: string[] = [];
  for (let t = Math.ceil((from + 1_000) / EVERY_MS) * EVERY_MS; t < to - 1_000; t += EVERY_MS)
    out.push(new Date(t).toISOString());
  return out;
}

const runsOf = async (url: string) =>
  (await sql<{ record: RunRecord }>(url, 'SELECT record FROM dropcron.runs')).map((r) => r.record);

describe('three daemons when the database fails them', () => {
  it('PostgreSQL restarted mid-run: they reconnect, and no fire is lost or run twice', async () => {
    const url = await server().database();
    // The default lease (30 s): a database down for a few seconds is an outage the daemons wait out.
    const { configFile } = await cluster(url, 30, 'admin: { enabled: false }\n');
    const env = { DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') };
    const daemons: Daemon[] = [];
    try {
      for (let i = 0; i < 3; i++) daemons.push((await start(configFile, env)).d);
      const from = Date.now();
      await new Promise((r) => setTimeout(r, 5_000));
      const longId = daemons[0]!.scheduler.runNow('long');
      await until(async () => (await sql(url, 'SELECT 1 FROM dropcron.running')).length > 0, 'the long run to start');
      // Down from 1 s into the run for over 2 s: the run ends and at least one slot fires
      // while the database is gone; their claims and records wait for it.
      await new Promise((r) => setTimeout(r, 1_000));
      await server().restart(2_500);
      await until(async () => (await runsOf(url)).some((r) => r.id === longId), 'the long run to be recorded', 20_000);
      await new Promise((r) => setTimeout(r, 6_000));
      const to = Date.now();
      await Promise.all(daemons.splice(0).map((d) => d.stop('test')));

      const runs = await runsOf(url);
      expect(runs.filter((r) => r.job === 'long')).toMatchObject([{ id: longId, outcome: 'success' }]);
      const expected = slotsBetween(from, to);
      expect(expected.length).toBeGreaterThanOrEqual(6);
      for (const job of JOBS) {
        const slots = runs.filter((r) => r.job === job).map((r) => r.scheduledAt!);
        expect(slots.length, `${job}: a slot ran twice`).toBe(new Set(slots).size);
        expect(slots.filter((s) => expected.includes(s)).sort(), `${job}: a slot was lost`).toEqual(expected);
        // A slot that fires while the previous slot's run is still waiting for the database
        // to record its end meets a job that is, for the cluster, still running: the overlap
        // policy (skip) records it as skipped. Anything else but success is a fault.
        const faulty = runs.filter(
          (r) =>
            r.job === job &&
            r.outcome !== 'success' &&
            !(r.outcome === 'skipped' && /still running/.test(r.error ?? '')),
        );
        expect(faulty.map((r) => [r.outcome, r.error])).toEqual([]);
      }
    } finally {
      await Promise.all(daemons.map((d) => d.stop('test')));
    }
  });

  it('one daemon cut off: it stops claiming and says so in /health; the others carry on', async () => {
    const url = await server().database();
    // The third daemon logs in as its own role, so the database can refuse it alone.
    await sql(url, 'CREATE ROLE cut LOGIN SUPERUSER');
    const { dir, configFile } = await cluster(url, 6, 'admin: { port: 0, password: "a-long-admin-password" }\n');
    const cutConfig = join(dir, 'cut.yaml');
    await writeFile(cutConfig, (await readFile(configFile, 'utf8')).replace('//dropcron@', '//cut@'));
    const env = { DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') };
    const daemons: Daemon[] = [];
    try {
      for (const file of [configFile, configFile]) daemons.push((await start(file, env)).d);
      const { d: cut, lines } = await start(cutConfig, env);
      daemons.push(cut);
      const owner = (cut.services.store as PostgresStore).owner;
      const claimsOf = async (after: number) =>
        (
          await sql<{ n: string }>(
            url,
            `SELECT count(*) AS n FROM dropcron.slot_claims WHERE owner = '${owner}' AND slot > to_timestamp(${after / 1000})`,
          )
        )[0]!.n;
      await until(async () => Number(await claimsOf(0)) > 0, 'the third daemon to claim a slot', 20_000);

      const cutAt = Date.now();
      await sql(url, 'ALTER ROLE cut NOLOGIN');
      await sql(url, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = 'cut'");
      const health = async (d: Daemon) => {
        const res = await fetch(`${d.urls.admin}/health`);
        return { status: res.status, body: (await res.json()) as { store: { ok: boolean; error?: string } } };
      };
      await until(async () => (await health(cut)).status === 503, "the cut-off daemon's /health to say so", 30_000);
      expect((await health(cut)).body.store).toMatchObject({
        kind: 'postgres',
        ok: false,
        error: expect.stringMatching(/^the database is unreachable \(.+\) and this daemon's last heartbeat was/),
      });
      await until(
        () => lines.some((l) => /the store is lost, so this daemon claims no runs/.test(String(l.msg))),
        'the cut-off daemon to log it',
        2 * RECOVER_MS,
      );
      expect((await health(daemons[0]!)).status).toBe(200);
      // At least 12 s after the cut (a few slots of 2 s clear of both ends), however long
      // the cut-off daemon took to notice on a loaded machine.
      await new Promise((r) => setTimeout(r, Math.max(4_000, cutAt + 12_000 - Date.now())));
      const to = Date.now();
      await Promise.all(daemons.splice(0, 2).map((d) => d.stop('test')));

      // A slot after the cut claimed by the third daemon: none (a claim in flight at the cut may land just on it).
      expect(await claimsOf(cutAt + 1_000)).toBe('0');
      const runs = await runsOf(url);
      const expected = slotsBetween(cutAt, to);
      expect(expected.length).toBeGreaterThanOrEqual(4);
      for (const job of JOBS) {
        const slots = runs.filter((r) => r.job === job).map((r) => r.scheduledAt!);
        expect(slots.length, `${job}: a slot ran twice`).toBe(new Set(slots).size);
        expect(slots.filter((s) => expected.includes(s)).sort(), `${job}: the others left a slot`).toEqual(expected);
      }
    } finally {
      await Promise.all(daemons.map((d) => d.stop('test')));
    }
  });
});
