import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorOf, basedOnCurrent, signedInEach, HOME_CONNECTION, REPORTS_JOB as JOB } from './helpers.ts';

describe('jobs API', () => {
  const s = signedInEach({ ...HOME_CONNECTION, 'jobs/reports.yaml': JOB });
  const file = () => readFile(join(s.f.dir, 'jobs/reports.yaml'), 'utf8');

  it('lists jobs with the schedule in words and the next run in their zone', async () => {
    const res = await s.f.app.inject({ method: 'GET', url: '/api/jobs', headers: s.headers });
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
    const detail = (await s.f.app.inject({ method: 'GET', url: '/api/jobs/reports', headers: s.headers })).json().job;
    expect(detail.taskDetails).toEqual([
      { index: 0, type: 'list', folders: { path: '/Reports' } },
      { index: 1, type: 'download', folders: { from: '/Reports' } },
    ]);
    const ok = await s.f.app.inject({
      method: 'PATCH',
      url: '/api/jobs/reports/tasks/1',
      headers: await basedOnCurrent(s.f.app, '/api/jobs/reports', s.headers),
      payload: { folders: { from: '/Archive/2026' } },
    });
    expect(ok.statusCode, ok.body).toBe(200);
    const text = await file();
    expect(text).toContain('# Nightly copy of the reports.');
    expect(text).toContain('# then fetch them');
    expect(text).toContain('schedule: "0 2 * * 1-5" # weekdays only');
    expect(text).toContain('from: /Archive/2026');
    const before = await file();
    const bad = await s.f.app.inject({
      method: 'PATCH',
      url: '/api/jobs/reports/tasks/0',
      headers: await basedOnCurrent(s.f.app, '/api/jobs/reports', s.headers),
      payload: { folders: { path: 'Reports' } },
    });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad)).toMatch(
      /reports\.yaml:\d+:\d+ tasks\[0\]\.list\.path must be a Dropbox path starting with '\/'/,
    );
    expect(await file()).toBe(before);
    const notFolder = await s.f.app.inject({
      method: 'PATCH',
      url: '/api/jobs/reports/tasks/1',
      headers: s.headers,
      payload: { folders: { to: '/x' } },
    });
    expect(notFolder.statusCode).toBe(400);
    expect(errorOf(notFolder)).toMatch(/'to' is not a folder of the download task \(folders: from\)/);
    const noTask = await s.f.app.inject({
      method: 'PATCH',
      url: '/api/jobs/reports/tasks/7',
      headers: s.headers,
      payload: { folders: { path: '/x' } },
    });
    expect(noTask.statusCode).toBe(404);
    expect(errorOf(noTask)).toMatch(/has no task 7 \(it has 2\)/);
  });

  it('Run now needs the scheduler; runs and logs of unknown ids are 404s', async () => {
    const run = await s.f.app.inject({ method: 'POST', url: '/api/jobs/reports/run', headers: s.headers, payload: {} });
    expect(run.statusCode).toBe(409);
    expect(errorOf(run)).toBe('the scheduler is not running');
    const log = await s.f.app.inject({ method: 'GET', url: '/api/runs/nope/log', headers: s.headers });
    expect(log.statusCode).toBe(404);
    expect(
      (await s.f.app.inject({ method: 'GET', url: '/api/jobs/reports/runs?limit=0', headers: s.headers })).statusCode,
    ).toBe(400);
  });
});
