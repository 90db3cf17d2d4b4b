// What the job editor's forms are built from: the schedule preview (the loader's own
// cron and zone checks), the time zones, and the task schemas with an annotation for
// every option, so the core's admin code needs no plugin field names.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, signIn, type Fixture } from './helpers.ts';

describe('job editor helpers', () => {
  let f: Fixture;
  let headers: Record<string, string>;
  beforeAll(async () => {
    f = await fixture({ 'config.yaml': 'admin:\n  port: 0\nstate: ./state\ntimezone: Asia/Tokyo\nlogLevel: silent\n' });
    ({ headers } = await signIn(f.app));
  });
  afterAll(() => f.close());
  const get = (url: string) => f.app.inject({ method: 'GET', url, headers });

  it('previews a schedule: five next runs in its zone and the words, or the problem', async () => {
    const ok = await get(`/api/schedule?cron=${encodeURIComponent('0 2 * * 1-5')}&timezone=Europe/Berlin`);
    expect(ok.statusCode, ok.body).toBe(200);
    const body = ok.json();
    expect(body.words).toBe('every weekday at 02:00');
    expect(body.nextRuns).toHaveLength(5);
    const fmt = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Berlin',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    for (const at of body.nextRuns) expect(fmt.format(new Date(at))).toMatch(/^(Mon|Tue|Wed|Thu|Fri) 02:00$/);
    expect(new Date(body.nextRuns[0]).getTime()).toBeGreaterThan(Date.now());
    // No zone given: config.yaml's.
    expect((await get(`/api/schedule?cron=${encodeURIComponent('0 9 * * *')}`)).json().timezone).toBe('Asia/Tokyo');
    const bad = (await get(`/api/schedule?cron=${encodeURIComponent('0 24 * * *')}`)).json();
    expect(bad.problem).toMatch(/'0 24 \* \* \*' is not a valid cron expression/);
    expect(bad.nextRuns).toBeUndefined();
    const zone = (await get(`/api/schedule?cron=${encodeURIComponent('0 2 * * *')}&timezone=Mars/Olympus`)).json();
    expect(zone.problem).toMatch(/'Mars\/Olympus' is not a known IANA time zone/);
  });

  it('lists the time zones with the config default', async () => {
    const { timezones, default: dflt } = (await get('/api/timezones')).json();
    expect(timezones).toEqual(expect.arrayContaining(['UTC', 'Europe/Berlin', 'America/New_York']));
    expect(dflt).toBe('Asia/Tokyo');
  });

  it('serves every task option with a title, a description, and remote paths marked', async () => {
    const res = await get('/api/task-types');
    expect(res.statusCode, res.body).toBe(200);
    const { job, taskTypes } = res.json();
    expect(Object.keys(job.properties)).toEqual(expect.arrayContaining(['schedule', 'timezone', 'connection']));
    expect(job.properties.tasks).toBeUndefined();
    expect(taskTypes.map((t: { type: string }) => t.type).sort()).toEqual([
      'copy',
      'create-folder',
      'delete',
      'download',
      'list',
      'move',
      'sync',
      'upload',
    ]);
    const remote: string[] = [];
    const walk = (type: string, schema: Record<string, any>, path: string) => {
      for (const [k, s] of Object.entries<Record<string, any>>(schema.properties ?? {})) {
        expect(s.title, `${type} ${path}${k} has a title`).toEqual(expect.any(String));
        expect(s.description, `${type} ${path}${k} has a description`).toEqual(expect.any(String));
        if (s['x-remotePath'] === true) remote.push(`${type}.${path}${k}`);
        walk(type, s, `${path}${k}.`);
      }
    };
    for (const t of taskTypes) {
      expect(t.schema.title).toEqual(expect.any(String));
      walk(t.type, t.schema, '');
    }
    expect(remote.sort()).toEqual([
      'copy.from',
      'copy.to',
      'create-folder.path',
      'delete.path',
      'download.from',
      'list.path',
      'move.from',
      'move.to',
      'sync.remote',
      'upload.to',
    ]);
    const upload = taskTypes.find((t: { type: string }) => t.type === 'upload').schema.properties;
    expect(upload.overwrite).toMatchObject({
      enum: ['always', 'if-newer', 'if-different', 'never'],
      default: 'if-different',
    });
  });
});
