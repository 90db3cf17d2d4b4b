// A `dropbox` trigger in a cluster: every daemon watches the job's folder and fires for
// each change, and the store's lease lets one run take it. The others' change runs find
// nothing pending and give the job back without a trace: one upload, one record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { startEmulator, type Emulator } from '../../plugins/dropbox/emulator/index.ts';
import { createDropboxClient } from '../../plugins/dropbox/api/client.ts';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { RunRecord } from '../../src/store/history.ts';
import { dropboxClusterConfig } from './fixtures/dropbox-cluster.ts';
import { postgresForFile } from '../helpers/postgres.ts';
import { until } from '../helpers/wait.ts';
import { captureLogger } from '../scheduler/harness.ts';
import { tokenSource } from '../tasks/harness.ts';

const DEBOUNCE_MS = 1000;
const server = postgresForFile();

let emu: Emulator;
let agent: Agent;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropcron-cluster-trigger-'));
  emu = await startEmulator({ port: 0 });
  agent = new Agent();
});
afterAll(async () => {
  await emu.close();
  await agent.close();
  await rm(dir, { recursive: true, force: true });
});

describe('a dropbox trigger watched by three daemons', () => {
  it('runs an upload once, and the daemons whose change run found it taken record nothing', async () => {
    const url = await server().database();
    const env = { ...process.env, DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') };
    const configFile = await dropboxClusterConfig(dir, emu, url, env, {
      name: 'inbox',
      yaml:
        `name: inbox\nconnection: box\ntrigger:\n  dropbox: { path: /inbox, debounce: ${DEBOUNCE_MS}ms }\ntasks:\n` +
        `  - download: { from: previous, to: ./got, deleteSource: true }\n`,
    });
    const other = createDropboxClient({
      dispatcher: agent,
      token: tokenSource(emu),
      endpoints: { api: emu.url, content: emu.url },
    });
    await other.createFolder('/inbox');
    // Every daemon starts from this cursor, so each sees the upload whenever its watcher begins.
    const seed = new PostgresStore({ state: join(dir, 'seed'), historyLimit: 50, store: { postgres: url } }, env);
    await seed.start();
    const cursor = await other.latestCursor('/inbox');
    await seed
      .checkpoints('dropbox-trigger-cursors')
      .put('inbox', JSON.stringify({ path: '/inbox', recursive: false, cursor }));
    await seed.close();

    const daemons: Daemon[] = [];
    try {
      daemons.push(
        ...(await Promise.all(
          [0, 1, 2].map(() => startDaemon(configFile, { log: captureLogger().log, env: { ...env } })),
        )),
      );
      const local = join(dir, 'arrived.txt');
      await writeFile(local, 'arrived');
      await other.upload(local, '/inbox/arrived.txt');
      const reads = () => emu.requests.filter((r) => r.route.endsWith('list_folder/continue')).length;
      // More than one daemon read the change, so more than one change run was fired.
      await until(() => reads() >= 2, 'two daemons to read the change', 20_000);
      let runs: RunRecord[] = [];
      const history = daemons[0]!.scheduler.history;
      await until(
        async () => (runs = await history.list('inbox')).some((r) => r.outcome === 'success'),
        'the change run',
        DEBOUNCE_MS + 30_000,
      );
      // The other daemons' runs wait for the job's lease, then find nothing: until every
      // daemon is idle, then a debounce more in which no other run may start.
      await Promise.all(daemons.map((d) => d.scheduler.idle()));
      await new Promise((r) => setTimeout(r, DEBOUNCE_MS + 1000));
      await Promise.all(daemons.map((d) => d.scheduler.idle()));
      runs = await history.list('inbox');
      expect(runs.map((r) => [r.trigger, r.outcome, r.error])).toEqual([['change', 'success', undefined]]);
      expect(await readdir(join(dir, 'got'))).toEqual(['arrived.txt']);
    } finally {
      await Promise.all(daemons.map((d) => d.stop('test')));
    }
  });
});
