// What the shipped command loads before it does anything. `dropcron --help` lists every
// command, the plugins' too, and must stay fast (issue 13): a command module imports its
// heavy parts (fastify, undici, ajv, pino, the sandbox) only when it runs.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI } from '../helpers/cli.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

// A module hook in the child that appends the URL of every module it loads to a file.
const hook = `import { appendFileSync } from 'node:fs';
export async function load(url, context, next) {
  appendFileSync(process.env.DROPCRON_TRACE, url + '\\n');
  return next(url, context);
}`;
const register = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hook)}`)});`;

async function traced(args: string[], cwd: string) {
  const trace = join(await mkdtemp(join(tmpdir(), 'dropcron-trace-')), 'modules.txt');
  const r = spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(register)}`, CLI, ...args],
    { cwd, encoding: 'utf8', env: { ...process.env, DROPCRON_TRACE: trace }, timeout: 60_000 },
  );
  const loaded = (await readFile(trace, 'utf8')).trim().split('\n');
  return { code: r.status, out: r.stdout, err: r.stderr, loaded };
}

const HEAVY = [
  /\/node_modules\/(fastify|@fastify|undici|ajv|ajv-formats|pino|pino-pretty|node-cron|pg)\//,
  /\/plugins\/dropbox\/(api|tasks)\//,
  /\/plugins\/dropbox\/emulator\/(?!command\.js$)/,
  /\/plugins\/dropbox\/(index|auth\/(authorizer|oauth|connection-ops))\.js$/,
  /\/src\/(daemon|services|log|admin\/|scheduler\/(scheduler|runner)|config\/load)/,
];

describe('dropcron --help', () => {
  it.each([
    ['with the example config (plugins: [dropbox])', root],
    ['without any config file', ''],
  ])('lists core and plugin commands, loading none of their heavy parts, %s', async (_, dir) => {
    const r = await traced(['--help'], dir || (await mkdtemp(join(tmpdir(), 'dropcron-noconfig-'))));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ {2}start {2,}run the daemon/m);
    expect(r.out).toMatch(/^ {2}emulator {2,}run the Dropbox API/m);
    expect(r.out).toMatch(/^ {2}auth {2,}sign a Dropbox connection in/m);
    // The trace sees the compiled code, so it is what ships that stays light.
    expect(r.loaded).toContain(`file://${CLI}`);
    expect(r.loaded.filter((url) => HEAVY.some((re) => re.test(url)))).toEqual([]);
  });
});
