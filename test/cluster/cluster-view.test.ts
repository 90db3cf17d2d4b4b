// GET /api/cluster and /health on a daemon of a cluster: every daemon the store knows,
// with its heartbeat and the runs it holds; a daemon that stopped beating shows as not
// alive, then ages out; one that stops cleanly leaves at once.
import { afterEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { request } from 'undici';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { configTree, createTestPlugin, jobYaml } from '../helpers/test-plugin.ts';
import { postgresForFile } from '../helpers/postgres.ts';
import { until } from '../helpers/wait.ts';
import { captureLogger } from '../scheduler/harness.ts';

const server = postgresForFile();
const PASSWORD = 'a-long-enough-password';
const ADMIN = `admin: { port: 0, password: ${PASSWORD} }\n`;

async function signedIn(d: Daemon): Promise<string> {
  const res = await request(`${d.urls.admin}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ password: PASSWORD }),
  });
  await res.body.dump();
  expect(res.statusCode).toBe(200);
  return String(res.headers['set-cookie']).split(';')[0]!;
}

async function getJson(d: Daemon, path: string, cookie?: string): Promise<{ status: number; body: any }> {
  const res = await request(`${d.urls.admin}${path}`, { headers: cookie ? { cookie } : {} });
  return { status: res.statusCode, body: await res.body.json() };
}

describe('the cluster view', () => {
  const daemons: Daemon[] = [];
  afterEach(async () => {
    for (const d of daemons.splice(0)) await d.stop('test');
  });
  const start = async (configFile: string, env: NodeJS.ProcessEnv) => {
    const d = await startDaemon(configFile, { registry: createTestPlugin().registry, log: captureLogger().log, env });
    daemons.push(d);
    return d;
  };

  it('lists every daemon of a postgres store with what it runs; the dead show, then age out', async () => {
    const url = await server().database();
    const { configFile } = await configTree(
      { 'jobs/long.yaml': jobYaml('long', '0 0 1 1 *', '  - sleep: { ms: 4000 }\n') },
      `${ADMIN}store: { postgres: "${url}", leaseSeconds: 3 }\n`,
    );
    const env = { DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') };
    const a = await start(configFile, env);
    const b = await start(configFile, env);
    const cookie = await signedIn(b);
    expect((await getJson(b, '/api/cluster')).status).toBe(401);

    const runId = a.scheduler.runNow('long');
    let view: any;
    await until(async () => {
      view = (await getJson(b, '/api/cluster', cookie)).body;
      return view.daemons.some((d: any) => d.running.length);
    }, 'the run to show in the cluster view');
    expect(view.store).toEqual({ kind: 'postgres', ok: true });
    expect(view.daemons).toHaveLength(2);
    const [first, second] = view.daemons;
    expect(Object.keys(first).sort()).toEqual(
      ['alive', 'heartbeatAt', 'host', 'id', 'pid', 'running', 'self', 'startedAt'].sort(),
    );
    expect(first).toMatchObject({ id: a.services.store.daemonId, self: false, alive: true, pid: process.pid });
    expect(first.running).toEqual([{ runId, job: 'long', startedAt: expect.any(String) }]);
    expect(second).toMatchObject({ id: b.services.store.daemonId, self: true, alive: true, running: [] });
    expect((await getJson(b, '/health')).body).toMatchObject({ ok: true, daemons: 2, store: { ok: true } });

    // Daemons that stopped beating without leaving (kill -9): one lately, one long ago.
    const db = new pg.Client(url);
    await db.connect();
    try {
      await db.query(
        `INSERT INTO dropcron.daemons (id, host, pid, version, started_at, heartbeat_at) VALUES
         ('lost:1', 'gone', 1, '0', now() - interval '1 hour', now() - interval '1 minute'),
         ('lost:2', 'gone', 2, '0', now() - interval '2 hour', now() - interval '11 minutes')`,
      );
    } finally {
      await db.end();
    }
    view = (await getJson(b, '/api/cluster', cookie)).body;
    expect(view.daemons.map((d: any) => [d.id, d.alive])).toEqual([
      ['lost:1', false],
      [a.services.store.daemonId, true],
      [b.services.store.daemonId, true],
    ]);
    expect((await getJson(b, '/health')).body.daemons).toBe(2);

    await daemons.shift()!.stop('test');
    view = (await getJson(b, '/api/cluster', cookie)).body;
    expect(view.daemons.map((d: any) => d.id)).toEqual(['lost:1', b.services.store.daemonId]);
  });

  it('signs a browser in on every daemon at once, and out of every daemon at once', async () => {
    const url = await server().database();
    const { configFile } = await configTree({}, `${ADMIN}store: { postgres: "${url}" }\n`);
    const env = { DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') };
    const a = await start(configFile, env);
    const b = await start(configFile, env);
    const cookie = await signedIn(a);
    expect((await getJson(b, '/api/cluster', cookie)).status).toBe(200);
    const csrf = (await getJson(b, '/api/session', cookie)).body.csrf;
    expect(csrf).toEqual(expect.any(String));

    // The database holds the hash of the id, never the cookie's value.
    const db = new pg.Client(url);
    await db.connect();
    try {
      const { rows } = await db.query('SELECT key, csrf FROM dropcron.admin_sessions');
      expect(rows).toEqual([{ key: expect.any(String), csrf }]);
      expect(JSON.stringify(rows)).not.toContain(cookie.split('=')[1]);
    } finally {
      await db.end();
    }

    const out = await request(`${b.urls.admin}/api/session`, {
      method: 'DELETE',
      headers: { cookie, 'x-csrf-token': csrf },
    });
    await out.body.dump();
    expect(out.statusCode).toBe(204);
    expect((await getJson(a, '/api/cluster', cookie)).status).toBe(401);
  });

  it('with the file store, the cluster is this daemon', async () => {
    const { configFile } = await configTree(
      { 'jobs/long.yaml': jobYaml('long', '0 0 1 1 *', '  - sleep: { ms: 3000 }\n') },
      ADMIN,
    );
    const d = await start(configFile, { DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') });
    const cookie = await signedIn(d);
    const runId = d.scheduler.runNow('long');
    let view: any;
    await until(async () => {
      view = (await getJson(d, '/api/cluster', cookie)).body;
      return view.daemons[0]?.running.length === 1;
    }, 'the run to show in the cluster view');
    expect(view.store).toEqual({ kind: 'file', ok: true });
    expect(view.daemons).toEqual([
      {
        id: d.services.store.daemonId,
        host: expect.any(String),
        pid: process.pid,
        startedAt: expect.any(String),
        heartbeatAt: expect.any(String),
        alive: true,
        self: true,
        running: [{ runId, job: 'long', startedAt: expect.any(String) }],
      },
    ]);
    expect((await getJson(d, '/health')).body.daemons).toBe(1);
  });
});
