// The Redirect URL takes http(s) URLs only, checked by the plugin's connection schema
// both in a file and through the admin API (the API checks edits with the loader).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { fixture, signIn, errorOf, basedOnCurrent, type Fixture } from './helpers.ts';

const WORK = 'name: work\ntype: dropbox\nsandbox: true\n';
const REFUSED = ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd', 'ftp://x/cb'];
const MESSAGE = 'redirectUrl must be an http:// or https:// URL';

describe('the redirect URL is http(s) only', () => {
  let f: Fixture;
  let headers: Record<string, string>;
  beforeEach(async () => {
    f = await fixture({
      'connections/work.yaml': WORK,
      'connections/hand.yaml': 'name: hand\ntype: dropbox\nredirectUrl: "javascript:alert(1)"\n',
    });
    ({ headers } = await signIn(f.app));
  });
  afterEach(() => f.close());

  it('in a file: the loader refuses it, naming the field', async () => {
    const loaded = await loadConfig(join(f.dir, 'config.yaml'), { env: {} });
    const problem = loaded.problems.find((p) => p.file.endsWith('hand.yaml'));
    expect(problem?.path).toBe('redirectUrl');
    expect(`${problem?.path} ${problem?.message}`).toContain(MESSAGE);
    expect(loaded.connections.map((c) => c.name)).toEqual(['work']);
  });

  it('through the API: edits and new connections are refused with the field named, the file untouched', async () => {
    for (const redirectUrl of REFUSED) {
      const edit = await f.app.inject({
        method: 'PATCH',
        url: '/api/connections/work',
        headers: await basedOnCurrent(f.app, '/api/connections/work', headers),
        payload: { settings: { redirectUrl } },
      });
      expect(edit.statusCode, redirectUrl).toBe(400);
      expect(errorOf(edit)).toContain(MESSAGE);
      const created = await f.app.inject({
        method: 'POST',
        url: '/api/connections',
        headers,
        payload: { name: 'fresh', type: 'dropbox', settings: { redirectUrl } },
      });
      expect(created.statusCode, redirectUrl).toBe(400);
      expect(errorOf(created)).toContain(MESSAGE);
    }
    expect(await readFile(join(f.dir, 'connections/work.yaml'), 'utf8')).toBe(WORK);
    const ok = await f.app.inject({
      method: 'PATCH',
      url: '/api/connections/work',
      headers: await basedOnCurrent(f.app, '/api/connections/work', headers),
      payload: { settings: { redirectUrl: 'https://dropcron.example/oauth2/callback' } },
    });
    expect(ok.statusCode, ok.body).toBe(200);
  });
});
