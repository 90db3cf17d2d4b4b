// Hostile and mistaken files (issue 11, rows 1-4): each is refused as problems at
// file:line:col, at once, without taking the loader down; through the real Dropbox
// plugin's schemas and checks, as `dropcron validate` and a hot reload see them.
import { describe, it, expect } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/config/load.ts';
import { formatProblem } from '../../src/config/problems.ts';
import { tree } from './fixtures.ts';
import { CLI } from '../helpers/cli.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

async function dropboxTree(job: string) {
  const connection = await readFile(join(root, 'connections/sandbox.yaml'), 'utf8');
  return tree({ 'config.yaml': 'sandbox: true\n', 'connections/sandbox.yaml': connection, 'jobs/j.yaml': job });
}

async function problemsOf(job: string): Promise<string[]> {
  const dir = await dropboxTree(job);
  const loaded = await loadConfig(join(dir, 'config.yaml'), { env: {} });
  return loaded.problems.map((p) => formatProblem(p, dir));
}

const job = (schedule: string, tasks = '  - list: { path: / }\n') =>
  `name: j\nschedule: "${schedule}"\nconnection: sandbox\ntasks:\n${tasks}`;

describe('hostile job files', () => {
  it.each([
    ['1-99999999999 * * * *', "'1-99999999999' is not a valid minute (0-59)"],
    ['0-100000000 * * * *', "'0-100000000' is not a valid minute (0-59)"],
    ['0 0-99999999 * * *', "'0-99999999' is not a valid hour (0-23)"],
    ['0 0 1 1 1-9999999999999999999', "'1-9999999999999999999' is not a valid weekday (0-7)"],
    ['*/0 * * * *', "'*/0' is not a valid minute (0-59)"],
    ['*/99999999999 * * * *', "'*/99999999999' is not a valid minute (0-59)"],
  ])('a cron field out of bounds (%s) is refused before it is expanded', async (schedule, message) => {
    expect(await problemsOf(job(schedule))).toEqual([
      `jobs/j.yaml:2:11 schedule '${schedule}' is not a valid cron expression: ${message}`,
    ]);
  });

  it('a task option of the wrong type is a schema problem; the task check does not run on it', async () => {
    const lines = await problemsOf(
      job('0 2 * * *', '  - download: { from: 123, to: ./x }\n  - upload: { from: ./y, to: 7, overwrit: always }\n'),
    );
    expect(lines).toEqual([
      'jobs/j.yaml:5:23 tasks[0].download.from must be a string',
      "jobs/j.yaml:6:33 tasks[1].upload.overwrit unknown key 'overwrit' (did you mean 'overwrite'?)",
      'jobs/j.yaml:6:30 tasks[1].upload.to must be a string',
    ]);
  });

  it('50,000 unknown keys come out as the first 20 and a count', async () => {
    let text = job('0 2 * * *');
    for (let i = 0; i < 50_000; i++) text += `junk${i}: val${i}\n`;
    expect(text.length).toBeGreaterThan(900_000);
    expect(text.length).toBeLessThan(1024 * 1024);
    const lines = await problemsOf(text);
    expect(lines).toHaveLength(21);
    expect(lines[0]).toBe("jobs/j.yaml:6:1 junk0 unknown key 'junk0' (allowed: " + lines[0]!.split('(allowed: ')[1]);
    expect(lines[19]).toMatch(/^jobs\/j\.yaml:25:1 junk19 unknown key 'junk19'/);
    expect(lines[20]).toBe('jobs/j.yaml:1:1 and 49980 more problems in this file');
  });

  it('a file over 1 MiB is refused unread', async () => {
    const lines = await problemsOf(job('0 2 * * *') + `# ${'x'.repeat(1024 * 1024)}\n`);
    expect(lines).toEqual(['jobs/j.yaml:1:1 file is 1.0 MiB; a config file may be at most 1 MiB']);
  });

  it('a FIFO or a folder among the jobs is a problem, not a load that hangs on it', async () => {
    const dir = await dropboxTree(job('0 2 * * *'));
    // Files are read synchronously, and opening a FIFO with no writer would block the
    // process; a writer waiting on it makes a read that should not happen visible instead.
    const fifo = join(dir, 'jobs/pipe.yaml');
    spawnSync('mkfifo', [fifo]);
    const writer = spawn('sh', ['-c', 'echo "name: 1" > "$0"', fifo], { stdio: 'ignore' });
    await mkdir(join(dir, 'jobs/folder.yaml'));
    const loaded = await loadConfig(join(dir, 'config.yaml'), { env: {} }).finally(() => writer.kill());
    expect(loaded.problems.map((p) => formatProblem(p, dir))).toEqual([
      'jobs/folder.yaml:1:1 cannot read file (EISDIR)',
      'jobs/pipe.yaml:1:1 cannot read file (not a regular file)',
    ]);
    expect(loaded.jobs.map((j) => j.name)).toEqual(['j']);
  });

  it('duplicate keys are found in one pass, at the repeated key', async () => {
    expect(await problemsOf(job('0 2 * * *') + 'name: k\n')).toEqual(['jobs/j.yaml:6:1 duplicate key']);
  });

  it('a line break in a quoted value or key stays escaped: a problem is one line', async () => {
    const lines = await problemsOf(job('0 2 * * *').replace('connection: sandbox', 'connection: "a\\rb"'));
    expect(lines).toEqual([expect.stringMatching(/^jobs\/j\.yaml:3:13 connection names connection 'a\\u000db'/)]);
  });

  it('a key that is a list or a mapping is a problem at the key, not a warning on stderr', async () => {
    expect(await problemsOf(job('0 2 * * *') + '? [a, b]\n: c\n')).toEqual([
      'jobs/j.yaml:6:3 a key must be a plain name, not a list or a mapping',
    ]);
  });

  it('an alias bomb and an unresolved alias are problems at the alias', async () => {
    const rows = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (const [n, p] of [
      ['b', 'a'],
      ['c', 'b'],
      ['d', 'c'],
      ['e', 'd'],
    ])
      rows.push(`${n}: &${n} [${Array(9).fill(`*${p}`).join(', ')}]`);
    expect(await problemsOf(`${rows.join('\n')}\n`)).toEqual([
      'jobs/j.yaml:2:8 invalid YAML: too many aliases (an alias may be expanded at most 100 times in one file)',
    ]);
    expect(await problemsOf(job('0 2 * * *').replace('connection: sandbox', 'connection: *nope'))).toEqual([
      'jobs/j.yaml:3:13 invalid YAML: alias *nope refers to no anchor &nope',
    ]);
  });
});

describe('dropcron validate on a hostile file', () => {
  it('answers with one line per problem and exit 1, never a crash', async () => {
    const dir = await dropboxTree(job('1-99999999999 * * * *', '  - download: { from: 123, to: ./x }\n'));
    const r = spawnSync(process.execPath, [CLI, 'validate'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      'jobs/j.yaml:5:23 tasks[0].download.from must be a string',
      "jobs/j.yaml:2:11 schedule '1-99999999999 * * * *' is not a valid cron expression: '1-99999999999' is not a valid minute (0-59)",
      '2 problems found',
    ]);
    expect(r.status).toBe(1);
  });
});
