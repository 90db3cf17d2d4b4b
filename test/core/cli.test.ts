import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tree } from '../config/fixtures.ts';
import { dropcron as inDir } from '../helpers/cli.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Without a config of the user's or of DROPCRON_CONFIG, the repository's examples are read.
const dropcron = (args: string[], cwd = root) =>
  inDir(args, cwd, { XDG_CONFIG_HOME: join(root, 'no-such-folder'), DROPCRON_CONFIG: undefined });

describe('dropcron CLI', () => {
  it('validates the shipped examples', () => {
    const r = dropcron(['validate']);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^ok: \d+ connections?, \d+ jobs?\n$/);
    expect(r.code).toBe(0);
  });

  it('reports every problem of a broken tree with file:line:col and exits 1, without a stack trace', async () => {
    const dir = await tree({
      'config.yaml': 'timezone: Mars/Olympus\nconnections: ./connections\njobs: ./jobs\n',
      'connections/a.yaml': 'name: a\ntype: dropbox\napp: custom\n',
      'connections/b.yaml': 'name: b\ntype: dropbox\nproxy: { type: socks4, host: h, port: 1 }\n',
      'jobs/j.yaml': 'name: j\nschedule: "* * *"\nconnection: zzz\ntasks: []\n',
    });
    const r = dropcron(['validate', '--config', join(dir, 'config.yaml')], dir);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    const lines = r.err.trim().split('\n');
    expect(lines).toContain(
      "config.yaml:1:11 timezone 'Mars/Olympus' is not a known IANA time zone (e.g. Europe/Berlin, UTC)",
    );
    expect(lines.some((l) => l.startsWith("connections/a.yaml:1:1 appKey is required when app is 'custom'"))).toBe(
      true,
    );
    expect(lines.some((l) => l.startsWith('connections/b.yaml:3:16 proxy.type SOCKS4 is not supported'))).toBe(true);
    expect(lines.some((l) => l.startsWith("jobs/j.yaml:2:11 schedule '* * *' is not a cron expression"))).toBe(true);
    expect(
      lines.some((l) => l.startsWith("jobs/j.yaml:3:13 connection names connection 'zzz', which does not exist")),
    ).toBe(true);
    expect(lines.some((l) => l.startsWith('jobs/j.yaml:4:8 tasks must NOT have fewer than 1 items'))).toBe(true);
    expect(lines.at(-1)).toMatch(/^\d+ problems found$/);
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('answers --help on every command and fails with one line on a bad one', () => {
    const help = dropcron(['--help']);
    expect(help.code).toBe(0);
    const commands = [...help.out.matchAll(/^ {2}(\S+) {2,}/gm)].map((m) => m[1]!);
    expect(commands).toEqual(expect.arrayContaining(['start', 'validate', 'connections', 'jobs']));
    for (const c of commands) {
      const r = dropcron([c, '--help']);
      expect(r.code, c).toBe(0);
      expect(r.out, c).toMatch(/^Usage: dropcron /);
    }
    const bad = dropcron(['frobnicate']);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe("dropcron: unknown command 'frobnicate' (see dropcron --help)\n");
    const badFlag = dropcron(['validate', '--bogus']);
    expect(badFlag.code).toBe(1);
    expect(badFlag.err).toBe('dropcron: unknown option --bogus (see dropcron validate --help)\n');
  });

  it('lists jobs with their next run in their own time zone', async () => {
    const dir = await tree({
      'config.yaml': 'plugins: [dropbox]\nsandbox: true\n',
      'connections/s.yaml': 'name: s\ntype: dropbox\nsandbox: true\n',
    });
    const r = dropcron(['jobs', 'list', '--config', join(dir, 'config.yaml')], dir);
    expect(r.code).toBe(0);
    expect(r.out).toBe('no jobs\n');
  });
});
