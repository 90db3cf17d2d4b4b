// The build writes the schemas' validators as code (src/config/precompile.ts) so that
// the shipped command never compiles a schema. They must say exactly what compiling
// them says, and the shipped command must use them.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { formatProblem } from '../../src/config/problems.ts';
import { tree } from './fixtures.ts';
import { CLI } from '../helpers/cli.ts';

// Every kind of schema problem and the defaults, in each validator (config, core
// connection, the dropbox connection type, job with every task type).
const broken = {
  'config.yaml': 'plugins: [dropbox]\nlogLevel: loud\nadmin: { port: 99999, extra: 1 }\ndropbox: { sandboxPort: -1 }\n',
  'connections/a.yaml': 'name: a\ntype: dropbox\napp: custom\ntimeoutSeconds: "60"\nproxy: { type: ftp }\n',
  'connections/b.yaml': 'name: b\ntype: dropbox\naccount: person\nsandbox: true\nredirectUrl: not a url\n',
  'jobs/j.yaml':
    'name: j\nschedule: "0 3 * * *"\nconnection: b\nnotify: { webhook: 12 }\ntasks:\n' +
    '  - upload: { from: ./x, to: relative, ifExists: maybe }\n' +
    '  - download: { from: /x, to: ./y, parallel: 0 }\n' +
    '  - list: { path: /, output: { file: ./l.csv, format: xml } }\n' +
    '  - delete: { path: /old, olderThan: soon }\n' +
    '  - create-folder: { path: nope, existsOk: 1 }\n' +
    '  - nosuchtask: {}\n',
  'jobs/ok.yaml': 'name: ok\nschedule: "0 4 * * *"\nconnection: b\ntasks:\n  - create-folder: { path: /new }\n',
};

describe('precompiled validators', () => {
  it('report the same problems as the schemas compiled at run time, and the CLI loads no ajv', async () => {
    const dir = await tree(broken);
    // In-process from the sources: src/config/ has no precompiled module, so ajv compiles.
    const loaded = await loadConfig(join(dir, 'config.yaml'));
    const compiled = loaded.problems.map((p) => formatProblem({ ...p, file: relative(dir, p.file) }));
    expect(compiled.length).toBeGreaterThan(10);
    expect(loaded.jobs.map((j) => j.name)).toEqual(['ok']);

    // Records every CommonJS module the child loaded (ajv is CommonJS).
    const probe = join(await mkdtemp(join(tmpdir(), 'dropcron-cjs-')), 'probe.cjs');
    const list = `${probe}.txt`;
    await writeFile(
      probe,
      `process.on('exit', () => require('node:fs').writeFileSync(${JSON.stringify(list)}, Object.keys(require.cache).join('\\n')));`,
    );
    const r = spawnSync(process.execPath, ['--require', probe, CLI, 'validate'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([...compiled, `${compiled.length} problems found`]);
    const cjs = (await readFile(list, 'utf8')).split('\n');
    expect(cjs.some((f) => /\/dist\/validators\/[0-9a-f]+\.cjs$/.test(f))).toBe(true);
    expect(cjs.filter((f) => /\/node_modules\/ajv\/dist\/(ajv|core|compile\/)/.test(f))).toEqual([]);
  });
});
