// Every edit carries the version (ETag) of the file it was based on: a save based on
// an older version, from another tab or after a hand edit, gets 409 instead of
// silently replacing the newer text; a save based on the current version changes
// only the fields it sends, so keys and comments added by hand survive it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fixture, signIn, errorOf, type Fixture } from './helpers.ts';

const WORK = `# The office account.
name: work
type: dropbox
sandbox: true
`;
const URL = '/api/connections/work';
const STALE = /connection 'work' changed since you opened it .*reload/;

describe('edits are based on a version', () => {
  let f: Fixture;
  let headers: Record<string, string>;
  beforeEach(async () => {
    f = await fixture({ 'connections/work.yaml': WORK });
    ({ headers } = await signIn(f.app));
  });
  afterEach(() => f.close());

  const file = () => readFile(join(f.dir, 'connections/work.yaml'), 'utf8');
  /** What a tab does when it opens the form: GET, keeping the ETag. */
  const open = async () => {
    const res = await f.app.inject({ method: 'GET', url: URL, headers });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers.etag).toBe(`"${res.json().connection.version}"`);
    return String(res.headers.etag);
  };
  const save = (etag: string | undefined, settings: Record<string, unknown>, method: 'PATCH' | 'PUT' = 'PATCH') =>
    f.app.inject({
      method,
      url: URL,
      headers: etag === undefined ? headers : { ...headers, 'if-match': etag },
      payload: { settings },
    });

  it('two tabs open the same connection: the first save lands, the second gets 409', async () => {
    const tab1 = await open();
    const tab2 = await open();
    const first = await save(tab1, { description: 'from tab 1' });
    expect(first.statusCode, first.body).toBe(200);
    expect(first.headers.etag).not.toBe(tab1);
    const second = await save(tab2, { timeoutSeconds: 120 });
    expect(second.statusCode).toBe(409);
    expect(errorOf(second)).toMatch(STALE);
    const text = await file();
    expect(text).toContain('description: from tab 1');
    expect(text).not.toContain('timeoutSeconds');
    // the reply of a save is the new version: the same tab may save again
    const again = await save(String(first.headers.etag), { timeoutSeconds: 120 });
    expect(again.statusCode, again.body).toBe(200);
    expect(await file()).toContain('timeoutSeconds: 120');
  });

  it('two saves based on one version sent at once: exactly one lands', async () => {
    const etag = await open();
    const results = await Promise.all([save(etag, { description: 'one' }), save(etag, { description: 'two' })]);
    expect(results.map((r) => r.statusCode).sort()).toEqual([200, 409]);
    const won = results.find((r) => r.statusCode === 200)!.json().connection.description;
    expect(await file()).toContain(`description: ${won}`);
  });

  it('a hand edit of the file between opening the form and saving: 409, the hand edit kept', async () => {
    const etag = await open();
    await appendFile(join(f.dir, 'connections/work.yaml'), 'timeoutSeconds: 90 # slow office link\n');
    const res = await save(etag, { description: 'from the form' });
    expect(res.statusCode).toBe(409);
    expect(errorOf(res)).toMatch(STALE);
    const put = await save(etag, { description: 'from the form' }, 'PUT');
    expect(put.statusCode).toBe(409);
    expect(await file()).toBe(WORK + 'timeoutSeconds: 90 # slow office link\n');
  });

  it('a key and its comment added by hand survive a save from a freshly opened form', async () => {
    await appendFile(join(f.dir, 'connections/work.yaml'), '# Ask IT before lowering this.\ntimeoutSeconds: 90\n');
    const res = await save(await open(), { description: 'from the form' });
    expect(res.statusCode, res.body).toBe(200);
    const text = await file();
    expect(text).toContain('# Ask IT before lowering this.\ntimeoutSeconds: 90');
    expect(text).toContain('description: from the form');
    expect(text).toContain('# The office account.');
  });

  it('an edit without If-Match is refused with 428 and the file untouched', async () => {
    const res = await save(undefined, { description: 'blind' });
    expect(res.statusCode).toBe(428);
    expect(errorOf(res)).toMatch(/If-Match/);
    expect(await file()).toBe(WORK);
  });

  it("a job's folder edit is versioned the same way", async () => {
    await f.close();
    f = await fixture({
      'connections/work.yaml': WORK,
      'jobs/reports.yaml': 'name: reports\nschedule: "0 2 * * *"\nconnection: work\ntasks:\n  - list: { path: /A }\n',
    });
    ({ headers } = await signIn(f.app));
    const get = await f.app.inject({ method: 'GET', url: '/api/jobs/reports', headers });
    const etag = String(get.headers.etag);
    const pick = (path: string) =>
      f.app.inject({
        method: 'PATCH',
        url: '/api/jobs/reports/tasks/0',
        headers: { ...headers, 'if-match': etag },
        payload: { folders: { path } },
      });
    expect((await pick('/B')).statusCode).toBe(200);
    const stale = await pick('/C');
    expect(stale.statusCode).toBe(409);
    expect(errorOf(stale)).toMatch(/job 'reports' changed since you opened it/);
  });
});
