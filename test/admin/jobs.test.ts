import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixture, signIn, errorOf, basedOnCurrent, type Fixture } from './helpers.ts';

const JOB = `# Nightly copy of the reports.
name: reports
schedule: "0 2 * * 1-5"   # weekdays only
timezone: Europe/Berlin
connection: home
tasks:
  - list: { path: /Reports }
  # then fetch them
  - download:
      from: /Reports
      to: ./local
`;

describe('jobs API', () => {
  let f: Fixture;
  let headers: Record<string, string>;
  beforeEach(async () => {
    f = await fixture({
      'connections/home.yaml': 'name: home\ntype: dropbox\nsandbox: true\n',
      'jobs/reports.yaml': JOB,
    });
    ({ headers } = await signIn(f.app));
  });
  afterEach(() => f.close());
  const file = () => readFile(join(f.dir, 'jobs/reports.yaml'), 'utf8');

  it('lists jobs with the schedule in words and the next run in their zone', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/api/jobs', headers });
    expect(res.statusCode, res.body).toBe(200);
    const [job] = res.json().jobs;
    expect(job).toMatchObject({
      name: 'reports',
      schedule: '0 2 * * 1-5',
      scheduleWords: 'every weekday at 02:00',
      timezone: 'Europe/Berlin',
      connection: 'home',
      tasks: ['list', 'download'],
      lastOutcome: null,
      running: false,
    });
    const next = new Date(job.nextRun);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    const local = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      hour: '2-digit',
      minute: '2-digit',
      weekday: 'short',
      hourCycle: 'h23',
    }).format(next);
    expect(local).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 02:00$/);
  });

  it("sets a task's Dropbox folder in the job file, comments kept, and refuses bad ones with file:line:col", async () => {
    const detail = (await f.app.inject({ method: 'GET', url: '/api/jobs/reports', headers })).json().job;
    expect(detail.taskDetails).toEqual([
      { index: 0, type: 'list', folders: { path: '/Reports' } },
      { index: 1, type: 'download', folders: { from: '/Reports' } },
    ]);
    const ok = await f.app.inject({
      method: 'PATCH',
      url: '/api/jobs/reports/tasks/1',
      headers: await basedOnCurrent(f.app, '/api/jobs/reports', headers),
      payload: { folders: { from: '/Archive/2026' } },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const text = await file();
    expect(text).toContain('# Nightly copy of the reports.');
    expect(text).toContain('# then fetch them');
    expect(text).toContain('schedule: "0 2 * * 1-5" # weekdays only');
    expect(text).toContain('from: /Archive/2026');
    const before = await file();
    const bad = await f.app.inject({
      method: 'PATCH',
      url: '/api/jobs/reports/tasks/0',
      headers: await basedOnCurrent(f.app, '/api/jobs/reports', headers),
      payload: { folders: { path: 'Reports' } },
    });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad)).toMatch(
      /reports\.yaml:\d+:\d+ tasks\[0\]\.list\.path must be a Dropbox path starting with '\/'/,
    );
    expect(await file()).toBe(before);
    const notFolder = await f.app.inject({
      method: 'PATCH',
      url: '/api/jobs/reports/tasks/1',
      headers,
      payload: { folders: { to: '/x' } },
    });
    expect(notFolder.statusCode).toBe(400);
    expect(errorOf(notFolder)).toMatch(/'to' is not a folder of the download task \(folders: from\)/);
    const noTask = await f.app.inject({
      method: 'PATCH',
      url: '/api/jobs/reports/tasks/7',
      headers,
      payload: { folders: { path: '/x' } },
    });
    expect(noTask.statusCode).toBe(404);
    expect(errorOf(noTask)).toMatch(/has no task 7 \(it has 2\)/);
  });

  it('Run now needs the scheduler; runs and logs of unknown ids are 404s', async () => {
    const run = await f.app.inject({ method: 'POST', url: '/api/jobs/reports/run', headers, payload: {} });
    expect(run.statusCode).toBe(409);
    expect(errorOf(run)).toBe('the scheduler is not running');
    const log = await f.app.inject({ method: 'GET', url: '/api/runs/nope/log', headers });
    expect(log.statusCode).toBe(404);
    expect((await f.app.inject({ method: 'GET', url: '/api/jobs/reports/runs?limit=0', headers })).statusCode).toBe(
      400,
    );
  });
});
