// The plugins' schemas reach the page (GET /api/schemas) with the annotations its forms
// are built from, and a refused edit says which field each problem belongs to.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, signIn, type Fixture } from './helpers.ts';

describe('schemas for forms, and problems by field', () => {
  let f: Fixture;
  let headers: Record<string, string>;
  beforeAll(async () => {
    f = await fixture();
    ({ headers } = await signIn(f.app));
  });
  afterAll(() => f.close());

  it('serves each connection type with the core fields, titled, and each task type', async () => {
    const res = await f.app.inject({ method: 'GET', url: '/api/schemas', headers });
    expect(res.statusCode, res.body).toBe(200);
    const { connectionTypes, taskTypes } = res.json();
    const dropbox = connectionTypes.dropbox;
    expect(dropbox.properties.account).toMatchObject({
      title: 'Account',
      'x-enumTitles': { business: 'Business (team)' },
    });
    expect(dropbox.properties.appSecret).toMatchObject({ 'x-secret': true, 'x-showWhen': { app: 'custom' } });
    // The core's fields, with the core's titles (no plugin wording in them).
    expect(dropbox.properties.timeoutSeconds).toMatchObject({ title: 'Timeout (seconds)', default: 60 });
    expect(dropbox.properties.sandbox.title).not.toMatch(/dropbox/i);
    expect(dropbox['x-order'][0]).toBe('name');
    expect(dropbox['x-ui'].pasteCodeLabel).toBeTruthy();
    expect(Object.keys(taskTypes)).toEqual(expect.arrayContaining(['upload', 'download', 'list']));
    expect((await f.app.inject({ method: 'GET', url: '/api/schemas' })).statusCode).toBe(401);
  });

  it("ties a refused request's problems to fields: the request schema's and the loader's", async () => {
    const post = (name: string, settings: object) =>
      f.app.inject({ method: 'POST', url: '/api/connections', headers, payload: { name, type: 'dropbox', settings } });
    const badName = await post('bad name', {});
    expect(badName.statusCode).toBe(400);
    expect(badName.json().problems).toEqual([{ path: 'name', message: expect.stringMatching(/pattern/) }]);
    const clash = await post('work', { account: 'business', access: 'app-folder', business: { pathRoot: 'team' } });
    expect(clash.statusCode).toBe(400);
    expect(clash.json().problems).toEqual([
      {
        path: 'business.pathRoot',
        line: expect.any(Number),
        col: expect.any(Number),
        message: expect.stringMatching(/^app-folder apps/),
      },
    ]);
  });
});
