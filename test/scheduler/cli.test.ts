// `dropcron run` and `dropcron jobs history`: exit codes, dry runs, output lines.
import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { configTree, createTestPlugin, jobYaml } from '../helpers/test-plugin.ts';
import { runJobCommand } from '../../src/commands/run.ts';
import { main } from '../../src/cli.ts';
import { FileRunHistory } from '../../src/store/history.ts';
import type { CliContext } from '../../src/plugin.ts';

function io(tty = false) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (c) => (out += c));
  stderr.on('data', (c) => (err += c));
  if (tty) (stdout as unknown as { isTTY: boolean }).isTTY = true;
  return { stdout, stderr, out: () => out, err: () => err };
}

async function run(configFile: string, argv: string[], tty = false, plugin = createTestPlugin()) {
  const { registry, state } = plugin;
  const s = io(tty);
  const cli: CliContext = { configFile, stdout: s.stdout, stderr: s.stderr, stdin: new PassThrough() };
  let code: number;
  try {
    code = await runJobCommand(argv, cli, { registry, env: {} });
  } catch (e) {
    // main() turns these into one line; here the message is enough.
    code = -1;
    s.stderr.write((e as Error).message);
  }
  return { code, out: s.out(), err: s.err(), state };
}

const YEARLY = '0 0 1 1 *';

describe('dropcron run', () => {
  it('runs the job now, prints a summary, records it and exits 0', async () => {
    const { dir, configFile } = await configTree(
      {
        'jobs/w.yaml': jobYaml(
          'w',
          YEARLY,
          '  - emit: { items: [x, y] }\n  - write: { file: $DIR/out/w.txt, chunks: 3 }\n',
        ),
      },
      'logLevel: info\n',
    );
    const r = await run(configFile, ['w']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(await readFile(join(dir, 'out/w.txt'), 'utf8')).toBe('x\ny');
    const lines = r.out.trim().split('\n');
    // Not a terminal: plain lines, one per finished transfer, no bar drawing.
    expect(r.out).not.toContain('\r');
    expect(lines).toContain(`info  write: wrote ${join(dir, 'out/w.txt')}`);
    expect(lines.some((l) => /^write: .*w\.txt 3 B done/.test(l))).toBe(true);
    expect(lines).toContain('emit: items 2');
    expect(lines).toContain('write: written 1; 3 B');
    expect(lines.at(-1)).toMatch(/^job w succeeded in \d/);
    const [rec] = await new FileRunHistory(join(dir, 'state'), 10).list('w');
    expect(rec).toMatchObject({ trigger: 'manual', outcome: 'success', dryRun: false, bytes: 3 });
  });

  it('--dry-run prints every action with its reason and changes nothing', async () => {
    const { dir, configFile } = await configTree({
      'jobs/w.yaml': jobYaml(
        'w',
        YEARLY,
        '  - write: { file: $DIR/a.txt, content: hello }\n  - write: { file: $DIR/b.txt, content: hi }\n',
      ),
    });
    const r = await run(configFile, ['w', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      `would write ${join(dir, 'a.txt')} (new file), 5 B\nwould write ${join(dir, 'b.txt')} (new file), 2 B\ndry run: 2 actions planned, nothing changed\n`,
    );
    expect(existsSync(join(dir, 'a.txt'))).toBe(false);
    expect(existsSync(join(dir, 'b.txt'))).toBe(false);
    expect(r.state.contexts.every((c) => c.ctx.dryRun)).toBe(true);
    const [rec] = await new FileRunHistory(join(dir, 'state'), 10).list('w');
    expect(rec).toMatchObject({ dryRun: true, outcome: 'success' });
  });

  it('draws a progress bar with bytes, rate and ETA on a terminal', async () => {
    const { configFile } = await configTree({
      'jobs/w.yaml': jobYaml('w', YEARLY, '  - write: { file: $DIR/big.txt, content: "0123456789", chunks: 2 }\n'),
    });
    const r = await run(configFile, ['w'], true);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\r\x1b\[2K\[#{20}\] 100% 1\/1 files 10 B\/10 B/);
  });

  it('exits 1 with one clear line when the job fails', async () => {
    const { configFile } = await configTree({
      'jobs/f.yaml': jobYaml('f', YEARLY, '  - fail: { message: remote folder is gone }\n'),
    });
    const r = await run(configFile, ['f']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('dropcron: job f failed: task 1 (fail): remote folder is gone\n');
    expect(r.out.trim().split('\n')).toContain('fail: failed');
    expect(r.out).not.toContain('stack line');
  });

  it('exits 1 naming the valid jobs when the job does not exist or its file is broken', async () => {
    const { configFile } = await configTree({
      'jobs/ok.yaml': jobYaml('ok', YEARLY, '  - emit: { items: [] }\n'),
      'jobs/bad.yaml': jobYaml('bad', '61 * * * *', '  - emit: { items: [] }\n'),
    });
    const r = await run(configFile, ['bad']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/bad\.yaml:2:11 schedule '61 \* \* \* \*' is not a valid cron expression/);
    expect(r.err.trim().split('\n').at(-1)).toBe("dropcron: no valid job named 'bad' (valid jobs: ok)");
  });

  it('through the CLI: missing job name and unknown options are one line each', async () => {
    const { configFile } = await configTree({});
    const a = io();
    expect(await main(['--config', configFile, 'run'], { stdout: a.stdout, stderr: a.stderr })).toBe(1);
    expect(a.err()).toBe('dropcron: name the job to run: dropcron run <job> (see dropcron run --help)\n');
    const b = io();
    expect(await main(['--config', configFile, 'run', 'x', '--fast'], { stdout: b.stdout, stderr: b.stderr })).toBe(1);
    expect(b.err()).toBe('dropcron: unknown option --fast (see dropcron run --help)\n');
  });
});

describe('dropcron jobs history', () => {
  async function withRuns() {
    const tree = await configTree(
      { 'jobs/h.yaml': jobYaml('h', YEARLY, '  - fail: { times: 1 }\n') },
      'timezone: Europe/Berlin\n',
    );
    const plugin = createTestPlugin();
    for (let i = 0; i < 3; i++) await run(tree.configFile, ['h'], false, plugin);
    return tree;
  }

  it('lists runs newest first with outcome, counts or error; --limit bounds it', async () => {
    const { configFile } = await withRuns();
    const s = io();
    expect(await main(['--config', configFile, 'jobs', 'history', 'h'], { stdout: s.stdout, stderr: s.stderr })).toBe(
      0,
    );
    const lines = s.out().trim().split('\n');
    expect(lines[0]).toMatch(/^STARTED\s+TRIGGER\s+OUTCOME\s+DURATION\s+BYTES\s+RESULT$/);
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/).slice(1))).toEqual([
      ['manual', 'success', expect.stringMatching(/ms$/), '0 B', 'fail recovered=1'],
      ['manual', 'success', expect.stringMatching(/ms$/), '0 B', 'fail recovered=1'],
      ['manual', 'failed', expect.stringMatching(/ms$/), '0 B', 'task 1 (fail): boom'],
    ]);
    expect(lines[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d CES?T /);
    const l = io();
    expect(
      await main(['--config', configFile, 'jobs', 'history', 'h', '--limit', '1'], {
        stdout: l.stdout,
        stderr: l.stderr,
      }),
    ).toBe(0);
    expect(l.out().trim().split('\n')).toHaveLength(2);
  });

  it('bad input gets one line each', async () => {
    const { configFile } = await withRuns();
    const cases: Array<[string[], string]> = [
      [['jobs', 'history'], 'dropcron: name the job: dropcron jobs history <job> (see dropcron jobs --help)\n'],
      [
        ['jobs', 'history', 'h', '--limit', '0'],
        "dropcron: --limit must be a whole number of runs, at least 1 (got '0') (see dropcron jobs --help)\n",
      ],
      [['jobs', 'history', '../etc'], "dropcron: '../etc' is not a valid job name (see dropcron jobs --help)\n"],
      [
        ['jobs', 'history', 'nope'],
        expect.stringMatching(
          /^dropcron: no job named 'nope' and no runs recorded for it in \S+state\n$/,
        ) as unknown as string,
      ],
    ];
    for (const [argv, err] of cases) {
      const s = io();
      expect(await main(['--config', configFile, ...argv], { stdout: s.stdout, stderr: s.stderr })).toBe(1);
      expect(s.err()).toEqual(err);
    }
  });
});
