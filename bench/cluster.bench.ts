// The cluster figures of issue 14 (`npm run bench -- --cluster`): three daemons in this
// process, each with its own PostgreSQL pool, timers and scheduler, on one database (a
// fresh server, test/helpers/postgres.ts), with N jobs firing every second. Each level
// runs WINDOW_S seconds; afterwards the runs table says how many slots ran, none twice,
// and each daemon's store.claim() is timed around the call (the transaction that inserts
// the slot and takes the job's lease). The highest level with every slot run once is
// what the cluster sustains. The jobs' one task does nothing (the test plugin's `emit`),
// so the figures are the scheduler's and the store's, not a transfer's.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startDaemon, type Daemon } from '../src/daemon.ts';
import { createLogger } from '../src/log.ts';
import type { RunRecord } from '../src/store/history.ts';
import { startPostgres } from '../test/helpers/postgres.ts';
import { configTree, createTestPlugin, jobYaml } from '../test/helpers/test-plugin.ts';
import { fmt, table } from './report.ts';

const DAEMONS = 3;
const WINDOW_S = 20;

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? NaN;
};

interface Level {
  jobs: number;
  expected: number;
  ran: number;
  doubled: number;
  claims: number[];
}

async function level(url: string, jobs: number): Promise<Level> {
  const files: Record<string, string> = {};
  for (let i = 0; i < jobs; i++)
    files[`jobs/f${i}.yaml`] = jobYaml(`f${i}`, '* * * * * *', '  - emit: { items: [] }\n');
  const { configFile } = await configTree(
    files,
    `admin: { enabled: false }\nmaxConcurrentJobs: ${jobs}\nshutdownGraceSeconds: 10\nstore: { postgres: "${url}" }\n`,
  );
  const env = { DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') };
  const claims: number[] = [];
  const daemons: Daemon[] = [];
  try {
    for (let i = 0; i < DAEMONS; i++) {
      const d = await startDaemon(configFile, {
        registry: createTestPlugin().registry,
        log: createLogger({ level: 'silent' }),
        env,
      });
      const store = d.services.store;
      const claim = store.claim.bind(store);
      store.claim = async (req) => {
        const t0 = performance.now();
        try {
          return await claim(req);
        } finally {
          claims.push(performance.now() - t0);
        }
      };
      daemons.push(d);
    }
    const from = Date.now();
    await new Promise((r) => setTimeout(r, WINDOW_S * 1000));
    const to = Date.now();
    await Promise.all(daemons.splice(0).map((d) => d.stop('bench')));
    // Slots every daemon was up for, two seconds clear of each end.
    const first = Math.ceil((from + 2_000) / 1000) * 1000;
    const slots = new Set<string>();
    for (let t = first; t < to - 2_000; t += 1000) slots.add(new Date(t).toISOString());
    const db = new pg.Client(url);
    await db.connect();
    const runs = (await db.query<{ record: RunRecord }>('SELECT record FROM dropcron.runs')).rows.map((r) => r.record);
    await db.end();
    const seen = new Set<string>();
    let ran = 0;
    let doubled = 0;
    for (const r of runs) {
      const key = `${r.job}@${r.scheduledAt}`;
      if (seen.has(key)) doubled++;
      seen.add(key);
      if (r.outcome === 'success' && slots.has(r.scheduledAt!)) ran++;
    }
    return { jobs, expected: jobs * slots.size, ran, doubled, claims };
  } finally {
    await Promise.all(daemons.map((d) => d.stop('bench')));
  }
}

export async function runClusterBench(o: { levels: number[]; log: (s: string) => void }): Promise<string> {
  const server = await startPostgres();
  try {
    const rows: Array<Array<string | number>> = [];
    let sustained = 0;
    for (const jobs of o.levels) {
      o.log(`cluster: ${DAEMONS} daemons, ${jobs} jobs every second, ${WINDOW_S} s`);
      // A database per level: its own runs, and the vault sealed under this level's key.
      const l = await level(await server.database(), jobs);
      const ok = l.ran === l.expected && l.doubled === 0;
      if (ok) sustained = Math.max(sustained, jobs);
      o.log(`  ${l.ran} of ${l.expected} slots run, ${l.doubled} twice, claim p99 ${fmt(percentile(l.claims, 99))} ms`);
      rows.push([
        jobs,
        `${l.ran} / ${l.expected}`,
        l.doubled,
        fmt(percentile(l.claims, 50)),
        fmt(percentile(l.claims, 99)),
        fmt(Math.max(...l.claims)),
        ok ? 'yes' : 'no',
      ]);
    }
    return (
      table(
        `Cluster: ${DAEMONS} daemons on one PostgreSQL, N jobs firing every second (${WINDOW_S} s per row)`,
        ['jobs (fires/s)', 'slots run / due', 'run twice', 'claim p50 ms', 'claim p99 ms', 'claim max ms', 'sustained'],
        rows,
      ) + `\nSustained: ${sustained} fires per second across the cluster.\n`
    );
  } finally {
    await server.stop();
  }
}
