// The README's reference tables are generated from the schemas; this fails while
// README.md is out of date, and checks that the tables cover every key.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { README, generatedReadme } from '../../src/config/gen-readme.ts';
import { fillMarkers, referenceSections } from '../../src/config/reference.ts';
import { createTestPlugin } from '../helpers/test-plugin.ts';

describe('README reference tables', () => {
  it('are up to date (run: npx tsx src/config/gen-readme.ts)', async () => {
    expect(readFileSync(README, 'utf8')).toBe(await generatedReadme());
  });

  it("list every key of config.yaml, each connection type, jobs and each task's options, with defaults", () => {
    const { registry } = createTestPlugin();
    const s = referenceSections(registry);
    expect(s.get('config')).toMatch(/^\| `maxConcurrentJobs` \| integer \| `4` \| Jobs running at once/m);
    expect(s.get('connections')).toContain('Connection type `test`');
    expect(s.get('connections')).toMatch(/^\| `passphrase` \| string \| - \|/m);
    expect(s.get('jobs')).toMatch(/^\| `retries.backoff` \| string \| `30s` \|/m);
    for (const task of ['sleep', 'fail', 'write', 'emit']) expect(s.get('tasks')).toContain(`#### \`${task}\``);
    expect(s.get('tasks')).toMatch(/^\| `items` \| list of string \| - \|/m);
  });

  it('refuses a README without the markers rather than losing a table', () => {
    expect(() => fillMarkers('# no markers\n', new Map([['config', 'x']]))).toThrow(/no markers/);
  });
});
