// Text typed into the admin UI is data: a `${VAR}` in it is written as `$${VAR}`, so
// the loader never expands it and no variable of the daemon can be read back through
// the API. `${VAR}` written by hand in a file keeps working.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { fixture, signIn, basedOnCurrent, type Fixture } from './helpers.ts';

const ADMIN_PW = 'admin-password-Qw7-from-env';
const SECRET_PATH = '/opt/secret-path-Zx9/bin';
const APP_KEY = 'app-key-from-env-Kk3';
const ENV = { DROPCRON_ADMIN_PASSWORD: ADMIN_PW, PATH: SECRET_PATH, APP_KEY };

const TYPED = 'pw=${DROPCRON_ADMIN_PASSWORD} ${PATH}';
const TYPED_ESCAPE = 'costs $${PATH} dollars';

const WORK = `name: work
type: dropbox
app: custom
appKey: \${APP_KEY}   # hand-written reference
sandbox: true
`;

const JOB = `name: reports
schedule: "0 2 * * *"
connection: work
tasks:
  - list: { path: /Reports }
`;

describe('values typed into the admin UI are stored literally', () => {
  let f: Fixture;
  let headers: Record<string, string>;
  beforeEach(async () => {
    f = await fixture({ 'connections/work.yaml': WORK, 'jobs/reports.yaml': JOB }, { env: ENV });
    ({ headers } = await signIn(f.app));
  });
  afterEach(() => f.close());

  const leaks = (text: string) => text.includes(ADMIN_PW) || text.includes(SECRET_PATH);
  const fromLoader = async () => loadConfig(join(f.dir, 'config.yaml'), { env: ENV });
  const patch = async (settings: Record<string, unknown>) => {
    const res = await f.app.inject({
      method: 'PATCH',
      url: '/api/connections/work',
      headers: await basedOnCurrent(f.app, '/api/connections/work', headers),
      payload: { settings },
    });
    expect(res.statusCode, res.body).toBe(200);
    return res;
  };

  it('a ${VAR} typed into any field reads back as typed through the API, the list and the loader', async () => {
    const settings = {
      description: TYPED,
      appKey: `key-${TYPED}`,
      proxy: { type: 'http', host: 'proxy.example', port: 3128, username: TYPED },
    };
    const res = await patch(settings);
    expect(leaks(res.body), res.body).toBe(false);
    expect(res.json().connection.settings).toMatchObject(settings);

    const one = await f.app.inject({ method: 'GET', url: '/api/connections/work', headers });
    expect(leaks(one.body), one.body).toBe(false);
    expect(one.json().connection.settings).toMatchObject(settings);
    const list = await f.app.inject({ method: 'GET', url: '/api/connections', headers });
    expect(leaks(list.body), list.body).toBe(false);
    expect(list.json().connections[0].description).toBe(TYPED);

    const text = await readFile(join(f.dir, 'connections/work.yaml'), 'utf8');
    expect(text).toContain('pw=$${DROPCRON_ADMIN_PASSWORD} $${PATH}');
    const loaded = await fromLoader();
    expect(loaded.problems).toEqual([]);
    const def = loaded.connections.find((c) => c.name === 'work')!;
    expect(def.description).toBe(TYPED);
    expect(def.appKey).toBe(`key-${TYPED}`);
    expect((def.proxy as { username: string }).username).toBe(TYPED);
  });

  it('a hand-written ${VAR} in the file still works after a UI save of another field', async () => {
    await patch({ description: 'Office' });
    const text = await readFile(join(f.dir, 'connections/work.yaml'), 'utf8');
    expect(text).toContain('appKey: ${APP_KEY} # hand-written reference');
    const def = (await fromLoader()).connections.find((c) => c.name === 'work')!;
    expect(def.appKey).toBe(APP_KEY);
  });

  it("the edit form reads a hand-written ${VAR} as the reference, not the daemon's value", async () => {
    const one = await f.app.inject({ method: 'GET', url: '/api/connections/work', headers });
    expect(one.body).not.toContain(APP_KEY);
    expect(one.json().connection.settings.appKey).toBe('${APP_KEY}');
  });

  it('a literal $${ typed into a field comes back as typed, not as ${', async () => {
    const res = await patch({ description: TYPED_ESCAPE });
    expect(res.json().connection.settings.description).toBe(TYPED_ESCAPE);
    const def = (await fromLoader()).connections.find((c) => c.name === 'work')!;
    expect(def.description).toBe(TYPED_ESCAPE);
  });

  it('a connection created in the UI and a folder picked in the UI are stored literally too', async () => {
    const created = await f.app.inject({
      method: 'POST',
      url: '/api/connections',
      headers,
      payload: { name: 'typed', type: 'dropbox', settings: { description: TYPED, sandbox: true } },
    });
    expect(created.statusCode, created.body).toBe(201);
    expect(leaks(created.body), created.body).toBe(false);
    expect(created.json().connection.description).toBe(TYPED);

    // `{date}` is a placeholder of task paths; the `$` before it is text.
    const folder = '/Reports ${date}';
    const picked = await f.app.inject({
      method: 'PATCH',
      url: '/api/jobs/reports/tasks/0',
      headers: await basedOnCurrent(f.app, '/api/jobs/reports', headers),
      payload: { folders: { path: folder } },
    });
    expect(picked.statusCode, picked.body).toBe(200);
    const loaded = await fromLoader();
    expect(loaded.problems).toEqual([]);
    expect(loaded.connections.find((c) => c.name === 'typed')!.description).toBe(TYPED);
    expect(loaded.jobs[0]!.tasks[0]!.options.path).toBe(folder);
  });
});
