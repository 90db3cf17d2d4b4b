// The admin page is native ES modules with no build step: every module the page imports,
// followed from index.html, must be served before sign-in (the sign-in form is one of
// them) as JavaScript, under the same strict CSP, and stay small.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, type Fixture } from './helpers.ts';

const MAX_LINES = 250;

describe('the admin page modules', () => {
  let f: Fixture;
  beforeAll(async () => {
    f = await fixture();
  });
  afterAll(() => f.close());

  it('are all served without a session, as JavaScript, each under 250 lines', async () => {
    const page = await f.app.inject({ method: 'GET', url: '/' });
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    const entry = /<script type="module" src="([^"]+)"/.exec(page.body)?.[1];
    expect(entry).toBe('/app.js');
    const seen = new Set<string>();
    const queue = [entry!];
    while (queue.length) {
      const url = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const res = await f.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/^(text|application)\/javascript/);
      expect(res.body.split('\n').length, url).toBeLessThanOrEqual(MAX_LINES);
      for (const m of res.body.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gm))
        queue.push(new URL(m[1]!, `http://page${url}`).pathname);
    }
    // The page really is split: a router, an API client, formatters and views.
    for (const m of ['/app.js', '/api.js', '/format.js', '/dom.js', '/views/connections.js', '/views/job.js'])
      expect(seen, m).toContain(m);
  });
});
