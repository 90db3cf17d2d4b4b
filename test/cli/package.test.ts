// The package as a user gets it: `npm pack` holds what runs and nothing else, and
// `npm install -g` of that tarball into an empty prefix gives a `dropcron` that answers
// --help, validates a fresh config and starts with its sandbox. Slow (an npm install):
// one file, one install. Dependencies come from npm's cache when there (CI's `npm ci`
// fills it), else from the registry.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/proxies.ts';
import { until } from '../helpers/wait.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
let work: string;
let files: string[];
let bin: string;

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd,
    encoding: 'utf8',
    timeout: 300_000,
  });
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'dropcron-pkg-'));
  // dist/ is fresh (test/build-first.ts); prepare would only rebuild it.
  const [packed] = JSON.parse(npm(['pack', '--json', '--ignore-scripts', '--pack-destination', work], root)) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  files = packed!.files.map((f) => f.path);
  npm(['install', '-g', '--prefix', join(work, 'prefix'), '--prefer-offline', join(work, packed!.filename)], work);
  bin = join(work, 'prefix', 'bin', 'dropcron');
}, 300_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('holds the compiled code with its assets, the docs and the licence, and nothing else', () => {
    const shipped = (p: string) =>
      /^dist\/(src|plugins)\/.+\.(js|json|html|css|svg|yaml)$/.test(p) ||
      /^dist\/validators\/[0-9a-f]+\.cjs$/.test(p) ||
      /^deploy\//.test(p) ||
      ['package.json', 'README.md', 'LICENSE', 'DEPLOY.md', 'ERRORS.md'].includes(p);
    expect(files.filter((p) => !shipped(p))).toEqual([]);
    expect(files).toEqual(
      expect.arrayContaining([
        'LICENSE',
        'README.md',
        'deploy/dropcron.service',
        'dist/src/main.js',
        'dist/src/admin/public/index.html',
        'dist/src/config/schemas/config.schema.json',
        'dist/plugins/dropbox/index.js',
        'dist/plugins/dropbox/schemas/job.schema.json',
        'dist/plugins/dropbox/emulator/seed.default.yaml',
      ]),
    );
    // No sources, tests, bench or source maps (their sources are not shipped).
    expect(files.filter((p) => /\.(ts|map)$|^(test|bench|src|plugins)\//.test(p))).toEqual([]);
  });
});

describe('npm install -g of the tarball', () => {
  const run = (args: string[], cwd: string) => {
    const r = spawnSync(bin, args, { cwd, encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  it('gives a dropcron command that answers --help', () => {
    expect(existsSync(bin)).toBe(true);
    const r = run(['--help'], work);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^Usage: dropcron \[--config FILE\] <command>/m);
  });

  it('writes a starter config, validates it, runs its job and starts it with the sandbox', async () => {
    const [admin, sandbox] = [await freePort(), await freePort()];
    const dir = join(work, 'etc');
    expect(run(['init', dir], work).code).toBe(0);
    // Ports of its own: other tests run beside this one.
    const config = join(dir, 'config.yaml');
    const starter = await readFile(config, 'utf8');
    await writeFile(
      config,
      starter.replace('port: 8470', `port: ${admin}`).replace('sandboxPort: 8471', `sandboxPort: ${sandbox}`),
    );
    const v = run(['validate'], dir);
    expect(v.err).toBe('');
    expect(v.out).toBe('ok: 1 connection, 1 job\n');
    expect(run(['run', 'backup-config', '--dry-run'], dir).code).toBe(0);

    const daemon = spawn(bin, ['start'], { cwd: dir });
    let out = '';
    daemon.stdout.on('data', (b: Buffer) => (out += b.toString()));
    daemon.stderr.on('data', (b: Buffer) => (out += b.toString()));
    const exited = new Promise<number | null>((resolve) => daemon.on('exit', (code) => resolve(code)));
    try {
      await until(() => out.includes('admin UI listening'), `the daemon to start (${out})`, 30_000);
      expect(out).toContain('dropbox sandbox listening');
      const test = run(['connections', 'test', 'sandbox'], dir);
      expect(test.out).toMatch(/^ok: 'sandbox' works$/m);
    } finally {
      daemon.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
