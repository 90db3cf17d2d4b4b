// Issue 15 row 3: a job file broken on disk stays listed (its running version, with
// the file's problems at file:line:col), and a job added on disk answers at once,
// both from the API alone and inside the daemon, where the scheduler's reload is the
// one view the UI shows.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { daemonFixture, fixture, signIn, type Fixture } from './helpers.ts';

const CONNECTION = 'name: home\ntype: dropbox\nsandbox: true\n';
const job = (name: string, schedule = '0 2 * * *') =>
  `name: ${name}\nschedule: "${schedule}"\ntimezone: UTC\nconnection: home\ntasks:\n  - list: { path: /Reports }\n`;
// Line 2, column 11: the schedule's value.
const BROKEN = job('reports', 'every night');

describe('job files changed on disk, API alone', () => {
  let f: Fixture;
  afterEach(() => f.close());

  it('keeps a broken job listed with its problems, and its page shows the running version', async () => {
    f = await fixture({ 'connections/home.yaml': CONNECTION, 'jobs/reports.yaml': job('reports') });
    const { headers } = await signIn(f.app);
    const list = async () => (await f.app.inject({ method: 'GET', url: '/api/jobs', headers })).json().jobs;
    expect(await list()).toMatchObject([{ name: 'reports', fileProblems: [] }]);

    await writeFile(join(f.dir, 'jobs/reports.yaml'), BROKEN);
    const [listed] = await list();
    expect(listed).toMatchObject({ name: 'reports', schedule: '0 2 * * *', file: 'reports.yaml' });
    expect(listed.fileProblems).toEqual([
      expect.objectContaining({ file: 'reports.yaml', line: 2, col: 11, message: expect.stringMatching(/schedule/) }),
    ]);
    const page = await f.app.inject({ method: 'GET', url: '/api/jobs/reports', headers });
    expect(page.statusCode, page.body).toBe(200);
    expect(page.json().job).toMatchObject({ schedule: '0 2 * * *', fileProblems: [{ line: 2, col: 11 }] });
    expect(page.json().job.nextRuns).toHaveLength(3);

    // Fixed: the problems go, the new version shows.
    await writeFile(join(f.dir, 'jobs/reports.yaml'), job('reports', '0 3 * * *'));
    expect(await list()).toMatchObject([{ schedule: '0 3 * * *', fileProblems: [] }]);
  });

  it('answers a job added on disk on its page without the list being loaded first', async () => {
    f = await fixture({ 'connections/home.yaml': CONNECTION });
    const { headers } = await signIn(f.app);
    await writeFile(join(f.dir, 'jobs/fresh.yaml'), job('fresh'));
    const page = await f.app.inject({ method: 'GET', url: '/api/jobs/fresh', headers });
    expect(page.statusCode, page.body).toBe(200);
    expect(page.json().job.name).toBe('fresh');
  });
});

describe('job files changed on disk, inside the daemon', () => {
  const fx = daemonFixture();
  afterEach(() => fx.stop());

  it('runs a job added on disk at once (Run now), and the page shows what the scheduler runs', async () => {
    const daemon = await fx.start('  port: 0\n  password: a-long-enough-password', {
      'connections/home.yaml': CONNECTION,
      'jobs/reports.yaml': job('reports'),
    });
    const dir = fx.dir;
    const base = daemon.urls.admin!;
    const signed = await request(`${base}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ password: 'a-long-enough-password' }),
    });
    const cookie = String(signed.headers['set-cookie']).split(';')[0]!;
    const { csrf } = (await signed.body.json()) as { csrf: string };
    const headers = { cookie, 'x-csrf-token': csrf, 'content-type': 'application/json' };

    // Written and asked for before the watcher's debounce: the request itself brings the scheduler up to date.
    await writeFile(join(dir, 'jobs/fresh.yaml'), job('fresh'));
    const run = await request(`${base}/api/jobs/fresh/run`, { method: 'POST', headers, body: '{"dryRun":true}' });
    expect(run.statusCode, await run.body.text()).toBe(202);
    expect(daemon.scheduler.jobDefinitions().map((j) => j.name)).toContain('fresh');

    await writeFile(join(dir, 'jobs/reports.yaml'), BROKEN);
    const page = await request(`${base}/api/jobs/reports`, { headers });
    const { job: shown } = (await page.body.json()) as { job: { schedule: string; fileProblems: unknown[] } };
    expect(page.statusCode).toBe(200);
    expect(shown.schedule).toBe('0 2 * * *');
    expect(shown.fileProblems).toEqual([expect.objectContaining({ line: 2, col: 11 })]);
    // The page is the scheduler's view: the job it runs is the last valid one.
    expect(daemon.scheduler.jobDefinitions().find((j) => j.name === 'reports')?.schedule).toBe('0 2 * * *');
  });
});
