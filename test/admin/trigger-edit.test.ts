// The trigger as the job editor edits it through the API: the trigger types and their
// option schemas (with the core's debounce) to build the form from, a trigger added to
// a scheduled job, the schedule then removed, bad options refused at their field.
import { describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorOf, signedInEach, HOME_CONNECTION, REPORTS_JOB } from './helpers.ts';

describe('editing a job trigger through the API', () => {
  const s = signedInEach({ ...HOME_CONNECTION, 'jobs/reports.yaml': REPORTS_JOB });
  const file = () => readFile(join(s.f.dir, 'jobs/reports.yaml'), 'utf8');
  const get = (url: string) => s.f.app.inject({ method: 'GET', url, headers: s.headers });
  const patch = async (definition: Record<string, unknown>) => {
    const version = String((await get('/api/jobs/reports')).headers.etag);
    return s.f.app.inject({
      method: 'PATCH',
      url: '/api/jobs/reports',
      headers: { ...s.headers, 'if-match': version },
      payload: { definition },
    });
  };

  it('lists every trigger type with its options and the debounce', async () => {
    const { triggerTypes } = (await get('/api/task-types')).json();
    expect(triggerTypes.map((t: { type: string }) => t.type).sort()).toEqual(['dropbox', 'local']);
    const local = triggerTypes.find((t: { type: string }) => t.type === 'local').schema;
    expect(Object.keys(local.properties)).toEqual(['path', 'recursive', 'stableFor', 'debounce']);
    expect(local.required).toEqual(['path']);
    expect(local.properties.debounce.default).toBe('5s');
  });

  it('adds a trigger, then drops the schedule, keeping the comments', async () => {
    const added = await patch({ trigger: { local: { path: './inbox', stableFor: '2s' } } });
    expect(added.statusCode, added.body).toBe(200);
    expect(added.json().job).toMatchObject({
      trigger: 'local',
      definition: { trigger: { local: { path: './inbox' } } },
    });
    const only = await patch({ schedule: null });
    expect(only.statusCode, only.body).toBe(200);
    expect(only.json().job).toMatchObject({ schedule: null, scheduleWords: 'on local change', nextRuns: [] });
    const text = await file();
    expect(text).not.toContain('schedule:');
    expect(text).toContain('# Nightly copy of the reports.');
    expect(text).toMatch(/trigger:\n\s+local:/);
  });

  it('refuses bad options with the field named, and a job left with neither schedule nor trigger', async () => {
    const bad = await patch({ trigger: { local: { stableFor: '-1s' } } });
    expect(bad.statusCode).toBe(400);
    expect(errorOf(bad)).toMatch(/reports\.yaml:\d+:\d+ trigger\.local is missing required key 'path'/);
    expect(errorOf(bad)).toMatch(/reports\.yaml:\d+:\d+ trigger\.local\.stableFor must be a duration/);
    const neither = await patch({ schedule: null });
    expect(neither.statusCode).toBe(400);
    expect(await file()).toBe(REPORTS_JOB);
  });
});
