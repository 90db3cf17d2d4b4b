// Jobs built through the API, as the job editor does: create, edit the changed fields
// (based on a version), switch off, duplicate, delete. Every write goes through the
// loader (problems name their field) and keeps what the user wrote by hand.
import { describe, expect, it } from 'vitest';
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SchedulerEvents } from '../../src/scheduler/events.ts';
import { errorOf, fixture, signIn, signedInEach, HOME_CONNECTION, REPORTS_JOB as JOB } from './helpers.ts';

const UPLOAD = { upload: { from: './outbox', to: '/Inbox', overwrite: 'if-newer' } };

describe('building jobs through the API', () => {
  const s = signedInEach({ ...HOME_CONNECTION, 'jobs/reports.yaml': JOB });
  const file = (name = 'reports') => readFile(join(s.f.dir, `jobs/${name}.yaml`), 'utf8');
  /** The version the page holds after opening the job. */
  const opened = async () =>
    String((await s.f.app.inject({ method: 'GET', url: '/api/jobs/reports', headers: s.headers })).headers.etag);
  /** A save based on `version` (none: no If-Match). */
  const saveOn = (version: string | undefined, definition: Record<string, unknown>) =>
    s.f.app.inject({
      method: 'PATCH',
      url: '/api/jobs/reports',
      headers: version === undefined ? s.headers : { ...s.headers, 'if-match': version },
      payload: { definition },
    });
  const patch = async (definition: Record<string, unknown>) => saveOn(await opened(), definition);
  const duplicate = (name: string) =>
    s.f.app.inject({ method: 'POST', url: '/api/jobs/reports/duplicate', headers: s.headers, payload: { name } });
  const create = (name: string, definition: Record<string, unknown>) =>
    s.f.app.inject({ method: 'POST', url: '/api/jobs', headers: s.headers, payload: { name, definition } });

  it('creates a job file in the schema key order, values literal, and lists it at once', async () => {
    const res = await create('outbox', {
      tasks: [UPLOAD],
      connection: 'home',
      schedule: '*/15 * * * *',
      description: 'pw=${DROPCRON_ADMIN_PASSWORD}',
    });
    expect(res.statusCode, res.body).toBe(201);
    const job = res.json().job;
    expect(res.headers.etag).toBe(`"${job.version}"`);
    expect(job).toMatchObject({ name: 'outbox', scheduleWords: 'every 15 minutes', enabled: true });
    expect(job.definition.description).toBe('pw=${DROPCRON_ADMIN_PASSWORD}');
    const text = await file('outbox');
    expect(text).toMatch(
      /^# Created in the dropcron admin UI\.\n+name: outbox\ndescription: .*\nschedule: .*\nconnection: home\ntasks:\n/,
    );
    expect(text).toContain('pw=$${DROPCRON_ADMIN_PASSWORD}');
    const list = (await s.f.app.inject({ method: 'GET', url: '/api/jobs', headers: s.headers })).json().jobs;
    expect(list.map((j: { name: string }) => j.name).sort()).toEqual(['outbox', 'reports']);
  });

  it('refuses a new job with its problems at their fields, and a name taken', async () => {
    const bad = await create('broken', {
      schedule: '0 25 * * *',
      connection: 'nowhere',
      tasks: [{ upload: { from: './x', to: 'Inbox' } }],
    });
    expect(bad.statusCode).toBe(400);
    const error = errorOf(bad);
    expect(error).toMatch(/broken\.yaml:\d+:\d+ schedule '0 25 \* \* \*' is not a valid cron expression/);
    expect(error).toMatch(/broken\.yaml:\d+:\d+ connection names connection 'nowhere', which does not exist/);
    expect(error).toMatch(/broken\.yaml:\d+:\d+ tasks\[0\]\.upload\.to must be a Dropbox path starting with '\/'/);
    expect(existsSync(join(s.f.dir, 'jobs/broken.yaml'))).toBe(false);
    const taken = await create('reports', { schedule: '0 1 * * *', connection: 'home', tasks: [UPLOAD] });
    expect(taken.statusCode).toBe(409);
    expect(errorOf(taken)).toBe("a job named 'reports' already exists");
    expect(await file()).toBe(JOB);
  });

  it('edits only the fields sent: comments, key order and the comments of moved tasks survive', async () => {
    const detail = (await s.f.app.inject({ method: 'GET', url: '/api/jobs/reports', headers: s.headers })).json().job;
    const [list, download] = detail.definition.tasks;
    expect(download).toEqual({ download: { from: '/Reports', to: './local' } });
    // The editor sends the whole task list: here moved, one option changed, one task added.
    const res = await patch({
      schedule: '30 6 * * *',
      tasks: [{ download: { ...download.download, overwrite: 'never' } }, list, UPLOAD],
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().job.scheduleWords).toBe('every day at 06:30');
    const text = await file();
    expect(text).toContain('# Nightly copy of the reports.\nname: reports\nschedule: "30 6 * * *" # weekdays only\n');
    expect(text).toContain('to: ./local # next to config.yaml');
    expect(text).toContain('overwrite: never');
    // The list task moved down with its comment.
    expect(text.indexOf('# first see what is there')).toBeGreaterThan(text.indexOf('overwrite: never'));
    expect(text.indexOf('# first see what is there')).toBeLessThan(text.indexOf('- list:'));
    expect(text).toContain('to: /Inbox');
    const again = (await s.f.app.inject({ method: 'GET', url: '/api/jobs/reports', headers: s.headers })).json().job;
    expect(again.tasks).toEqual(['download', 'list', 'upload']);
  });

  it('switches a job off and on; a stale or unversioned edit is refused and changes nothing', async () => {
    const stale = await opened();
    const off = await patch({ enabled: false });
    expect(off.statusCode, off.body).toBe(200);
    expect(off.json().job).toMatchObject({ enabled: false, nextRun: null });
    expect(await file()).toContain('enabled: false');
    const late = await saveOn(stale, { description: 'from an old tab' });
    expect(late.statusCode).toBe(409);
    expect(errorOf(late)).toMatch(/job 'reports' changed since you opened it .*reload/);
    const blind = await saveOn(undefined, { description: 'x' });
    expect(blind.statusCode).toBe(428);
    const on = await patch({ enabled: null });
    expect(on.json().job.enabled).toBe(true);
    // As written, but for the inline comment yaml re-spaces when it prints a document.
    const back = JOB.replace('"   #', '" #');
    expect(await file()).toBe(back);
    const bad = await patch({ timezone: 'Mars/Olympus' });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad)).toMatch(/reports\.yaml:4:\d+ timezone 'Mars\/Olympus' is not a known IANA time zone/);
    expect(await file()).toBe(back);
  });

  it('duplicates a job switched off with its comments, and deletes a job file', async () => {
    const dup = await duplicate('reports-copy');
    expect(dup.statusCode, dup.body).toBe(201);
    expect(dup.json().job).toMatchObject({ name: 'reports-copy', enabled: false, tasks: ['list', 'download'] });
    const copy = await file('reports-copy');
    expect(copy).toContain('# then fetch them');
    expect(copy).toContain('name: reports-copy');
    expect((await duplicate('reports')).statusCode).toBe(409);
    const del = await s.f.app.inject({ method: 'DELETE', url: '/api/jobs/reports', headers: s.headers });
    expect(del.statusCode, del.body).toBe(204);
    expect(existsSync(join(s.f.dir, 'jobs/reports.yaml'))).toBe(false);
    expect((await s.f.app.inject({ method: 'GET', url: '/api/jobs/reports', headers: s.headers })).statusCode).toBe(
      404,
    );
    expect((await s.f.app.inject({ method: 'DELETE', url: '/api/jobs/reports', headers: s.headers })).statusCode).toBe(
      404,
    );
  });

  it('a hand edit between opening and saving: 409, and the hand edit kept', async () => {
    const etag = await opened();
    await writeFile(join(s.f.dir, 'jobs/reports.yaml'), JOB + 'catchUp: true # by hand\n');
    const res = await saveOn(etag, { schedule: '0 3 * * *' });
    expect(res.statusCode).toBe(409);
    expect(await file()).toBe(JOB + 'catchUp: true # by hand\n');
  });
});

describe('deleting a job next to the scheduler', () => {
  it('is refused while the job runs, and done once the run has ended', async () => {
    let running = true;
    const f = await fixture(
      { ...HOME_CONNECTION, 'jobs/reports.yaml': JOB },
      {
        scheduler: () => ({
          events: new SchedulerEvents(),
          history: { list: async () => [], append: async () => {}, flush: async () => {} } as never,
          health: () => ({ lastTick: new Date().toISOString(), jobs: [{ name: 'reports', running }] }),
          runNow: () => 'r2',
        }),
      },
    );
    try {
      const { headers } = await signIn(f.app);
      const del = () => f.app.inject({ method: 'DELETE', url: '/api/jobs/reports', headers });
      const busy = await del();
      expect(busy.statusCode).toBe(409);
      expect(errorOf(busy)).toBe("job 'reports' is running; delete it when the run has ended");
      expect(existsSync(join(f.dir, 'jobs/reports.yaml'))).toBe(true);
      running = false;
      expect((await del()).statusCode).toBe(204);
    } finally {
      await f.close();
    }
  });
});
