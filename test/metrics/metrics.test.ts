// GET /metrics after real runs against the sandbox: uploads through the real connector,
// a 429 and an expired token injected on one route, a job on a one-second timer; the
// scrape is read by a Prometheus text parser and its numbers checked.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { startEmulator } from '../../plugins/dropbox/emulator/index.ts';
import { createAuthorizer } from '../../plugins/dropbox/auth/authorizer.ts';
import { FlowStore } from '../../plugins/dropbox/auth/flow-state.ts';
import { submitConsent } from '../../plugins/dropbox/auth/sandbox-consent.ts';
import { createLogger } from '../../src/log.ts';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import { until } from '../helpers/wait.ts';
import { fixture, signIn, type Fixture } from '../admin/helpers.ts';
import { Scrape } from './scrape.ts';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

async function scrape(url: string): Promise<Scrape> {
  const res = await request(`${url}/metrics`);
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return new Scrape(await res.body.text());
}

describe('GET /metrics', () => {
  it('counts runs, bytes, files, calls, 429s, retries, token refreshes and timer fires', async () => {
    const emu = await startEmulator({ port: 0 });
    cleanup.push(() => emu.close());
    const dir = await mkdtemp(join(tmpdir(), 'dropcron-metrics-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const endpoints = JSON.stringify({ api: emu.url, content: emu.url, www: emu.url });
    await mkdir(join(dir, 'data'), { recursive: true });
    await writeFile(join(dir, 'data', 'a.txt'), 'hello');
    await writeFile(join(dir, 'data', 'b.txt'), 'hello world');
    const files: Record<string, string> = {
      'config.yaml':
        'admin: { port: 0, password: a-long-enough-password }\nmetrics: { public: true }\nstate: ./state\n' +
        'connections: ./connections\njobs: ./jobs\ndropbox: { appKey: dropcron-sandbox }\n',
      'connections/box.yaml': `name: box\ntype: dropbox\naccount: personal\napp: builtin\nendpoints: ${endpoints}\n`,
      'jobs/up.yaml':
        'name: up\nschedule: "0 0 1 1 *"\nconnection: box\ntasks:\n  - upload: { from: ./data, to: /metrics }\n',
      'jobs/tick.yaml':
        'name: tick\nschedule: "* * * * * *"\nconnection: box\ntasks:\n  - create-folder: { path: /tick }\n',
    };
    await mkdir(join(dir, 'connections'));
    await mkdir(join(dir, 'jobs'));
    for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
    const d: Daemon = await startDaemon(join(dir, 'config.yaml'), {
      log: createLogger({ level: 'silent', destination: { write() {} } as never }),
      env: {},
    });
    cleanup.push(() => d.stop('test'));

    // Signed in as `dropcron auth` would, into this daemon's vault.
    const def = d.loaded.connections.find((c) => c.name === 'box')!;
    const auth = createAuthorizer(new FlowStore());
    const { url, state } = await auth.begin(def, d.services, { mode: 'paste' });
    const q = await submitConsent(url, new Agent(), { decision: 'allow' });
    await auth.complete(def, d.services, { state, code: q.get('code')! });

    // The batch commit is throttled once, then refused for an expired token once.
    emu.faults.inject({ route: 'files/upload_session/finish_batch_v2', fault: { rateLimit: 1 } });
    emu.faults.inject({ route: 'files/upload_session/finish_batch_v2', fault: { expiredToken: true } });
    const ended: string[] = [];
    d.scheduler.events.on('run:end', (e) => ended.push(`${e.run.job}:${e.run.outcome}`));
    d.scheduler.runNow('up');
    await until(() => ended.includes('up:success'), 'the upload run', 30_000);
    await until(() => ended.includes('tick:success'), 'a run of the timer job', 30_000);

    const m = await scrape(d.urls.admin!);
    expect(m.value('dropcron_runs_total', { job: 'up', outcome: 'success' })).toBe(1);
    const ran = m.families.get('dropcron_runs_total')!.metrics.filter((s) => s.labels?.outcome !== 'skipped');
    expect(m.count('dropcron_run_duration_seconds')).toBe(ran.reduce((n, s) => n + Number(s.value), 0));
    expect(m.value('dropcron_transferred_files_total', { task: 'upload' })).toBe(2);
    expect(m.value('dropcron_transferred_bytes_total', { task: 'upload' })).toBe(16);
    const batch = { connection: 'box', route: 'files/upload_session/finish_batch_v2' };
    expect(m.value('dropcron_remote_calls_total', { ...batch, status: '429' })).toBe(1);
    expect(m.value('dropcron_remote_calls_total', { ...batch, status: '401' })).toBe(1);
    expect(m.value('dropcron_remote_calls_total', { ...batch, status: '200' })).toBe(1);
    expect(m.value('dropcron_remote_rate_limited_total', { connection: 'box' })).toBe(1);
    expect(m.value('dropcron_remote_retries_total', { connection: 'box' })).toBe(2);
    expect(m.value('dropcron_token_refreshes_total', { connection: 'box', result: 'ok' })).toBe(1);
    expect(
      m.value('dropcron_remote_calls_total', { connection: 'box', route: 'files/create_folder_v2' }),
    ).toBeGreaterThan(0);
    expect(m.value('dropcron_runs_total', { job: 'tick', outcome: 'success' })).toBeGreaterThan(0);
    expect(m.count('dropcron_schedule_lateness_seconds')).toBeGreaterThan(0);
    expect(m.families.get('dropcron_jobs_running')?.type).toBe('GAUGE');
    expect(m.value('dropcron_jobs_queued')).toBe(0);
  });

  it('needs a session unless metrics.public is set', async () => {
    const closed: Fixture = await fixture();
    cleanup.push(() => closed.close());
    expect((await closed.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const { headers } = await signIn(closed.app);
    const signedIn = await closed.app.inject({ method: 'GET', url: '/metrics', headers });
    expect(signedIn.statusCode).toBe(200);
    expect(new Scrape(signedIn.body).families.has('dropcron_runs_total')).toBe(true);

    const open: Fixture = await fixture({
      'config.yaml':
        'admin:\n  port: 0\nmetrics:\n  public: true\nstate: ./state\nconnections: ./connections\njobs: ./jobs\nlogLevel: silent\n',
    });
    cleanup.push(() => open.close());
    const res = await open.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(new Scrape(res.body).value('dropcron_jobs_running')).toBe(0);
  });

  it('has every series the Grafana dashboard reads', async () => {
    const f = await fixture();
    cleanup.push(() => f.close());
    const { headers } = await signIn(f.app);
    const families = new Scrape((await f.app.inject({ method: 'GET', url: '/metrics', headers })).body).families;
    const dashboard = await readFile(new URL('../../deploy/grafana-dashboard.json', import.meta.url), 'utf8');
    const read = new Set(
      [...dashboard.matchAll(/dropcron_[a-z_]+/g)].map(([n]) => n.replace(/_(bucket|sum|count)$/, '')),
    );
    expect(read.size).toBeGreaterThan(5);
    for (const name of read) expect(families.has(name), name).toBe(true);
  });
});
