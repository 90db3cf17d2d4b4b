// A job that only a trigger starts, as the admin API shows it: no schedule, no next
// run, and the trigger said in words where the schedule would be.
import { describe, expect, it } from 'vitest';
import { signedInEach, HOME_CONNECTION } from './helpers.ts';

const JOB = `name: inbox
connection: home
trigger:
  dropbox: { path: /inbox }
tasks:
  - download: { from: previous, to: ./got }
`;

describe('jobs API with a trigger-only job', () => {
  const s = signedInEach({ ...HOME_CONNECTION, 'jobs/inbox.yaml': JOB });

  it('lists and details it without a schedule', async () => {
    const list = await s.f.app.inject({ method: 'GET', url: '/api/jobs', headers: s.headers });
    expect(list.statusCode, list.body).toBe(200);
    expect(list.json().jobs[0]).toMatchObject({
      name: 'inbox',
      schedule: null,
      scheduleWords: 'on dropbox change',
      trigger: 'dropbox',
      nextRun: null,
    });
    const one = await s.f.app.inject({ method: 'GET', url: '/api/jobs/inbox', headers: s.headers });
    expect(one.statusCode, one.body).toBe(200);
    expect(one.json().job).toMatchObject({ name: 'inbox', nextRuns: [], trigger: 'dropbox' });
  });
});
