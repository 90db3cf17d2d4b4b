// What a new user meets in the first minutes, through the compiled command: a
// connection tested with no daemon running, a bad emulator option, a one-off run beside
// a running sandbox, and how a dry run reads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { tree } from '../config/fixtures.ts';
import { CLI, dropcron } from '../helpers/cli.ts';
import { freePort } from '../helpers/proxies.ts';
import { until } from '../helpers/wait.ts';

let dir: string;
let port: number;

beforeAll(async () => {
  port = await freePort();
  dir = await tree({
    'config.yaml': `plugins: [dropbox]\nsandbox: true\nadmin: { enabled: false }\ndropbox: { sandboxPort: ${port} }\n`,
    'connections/sandbox.yaml': 'name: sandbox\ntype: dropbox\nsandbox: true\n',
    'files/a.txt': 'hello\n',
    'jobs/up.yaml':
      'name: up\nschedule: "0 2 * * *"\nconnection: sandbox\ntasks:\n  - upload: { from: files, to: /up }\n',
  });
});

describe('with no daemon running', () => {
  it('--version prints the version package.json names', () => {
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    const r = dropcron(['--version'], dir);
    expect(r.out).toBe(`dropcron ${version}\n`);
    expect(r.code).toBe(0);
  });

  it('connections test starts its own sandbox, as run does', () => {
    const r = dropcron(['connections', 'test', 'sandbox'], dir);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^account: +Sandy Sandbox/m);
    expect(r.out).toMatch(/^ok: 'sandbox' works$/m);
    expect(r.code).toBe(0);
  });

  it('a dry run shows each action with its reason in one pair of parentheses', () => {
    const r = dropcron(['run', 'up', '--dry-run'], dir);
    expect(r.code).toBe(0);
    const would = r.out.split('\n').filter((l) => l.startsWith('would '));
    expect(would).toEqual([`would upload /up/a.txt (new, from ${join(dir, 'files', 'a.txt')}), 6 B`]);
  });
});

describe('emulator options', () => {
  it('a bad option is named even when the port is taken (nothing is bound first)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const busy = String((taken.address() as { port: number }).port);
      const r = dropcron(['emulator', '--port', busy, '--failure-rate', '2'], dir);
      expect(r.code).toBe(1);
      expect(r.err).toBe(
        "dropcron: option --failure-rate needs a number >= 0 <= 1, got '2' (see dropcron emulator --help)\n",
      );
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});

describe('beside a running sandbox', () => {
  let emulator: ChildProcess;
  let output = '';

  beforeAll(async () => {
    emulator = spawn(process.execPath, [CLI, 'emulator', '--port', String(port)], { cwd: dir });
    emulator.stdout!.on('data', (b: Buffer) => (output += b.toString()));
    await until(() => output.includes('listening'), 'the emulator to listen', 20_000);
  });
  afterAll(() => {
    emulator.kill('SIGTERM');
  });

  it('run says it uses that sandbox, and not that it started one', () => {
    const r = dropcron(['run', 'up'], dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^info +using the dropbox sandbox already running on this port$/m);
    expect(r.out).not.toMatch(/sandbox listening/);
    expect(r.out).toMatch(/^upload: uploaded 1; 6 B$/m);
  });
});
