import { describe, it, expect } from 'vitest';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { formatProblem } from '../../src/config/problems.ts';
import { tree, probeRegistry, okConfig, okConnection, okJob } from './fixtures.ts';

async function problemsOf(files: Record<string, string>, env: Record<string, string> = {}) {
  const dir = await tree({ 'config.yaml': okConfig, 'connections/main.yaml': okConnection, ...files });
  const loaded = await loadConfig(join(dir, 'config.yaml'), { registry: probeRegistry(), env });
  return { loaded, lines: loaded.problems.map((p) => formatProblem(p, dir)) };
}

describe('config loader', () => {
  it('loads a valid tree with defaults applied and paths resolved', async () => {
    const { loaded, lines } = await problemsOf({ 'jobs/nightly.yaml': okJob });
    expect(lines).toEqual([]);
    expect(loaded.connections.map((c) => c.name)).toEqual(['main']);
    const [job] = loaded.jobs;
    expect(job).toMatchObject({
      name: 'nightly',
      timezone: 'Europe/Berlin',
      overlap: 'skip',
      enabled: true,
      catchUp: false,
    });
    expect(job!.tasks).toEqual([{ type: 'copy', options: { from: '/a', overwrite: 'always' } }]);
    expect(loaded.config.state).toMatch(/\/state$/);
    expect(loaded.config.admin).toMatchObject({ host: '127.0.0.1', port: 8470 });
  });

  // Each broken input names file:line:col, the path and what is wrong.
  const cases: Array<[string, Record<string, string>, string]> = [
    ['bad YAML syntax', { 'jobs/a.yaml': 'name: a\nschedule: "0 2 * * *\n' }, 'jobs/a.yaml:2:11 invalid YAML'],
    ['tab-indented YAML', { 'jobs/a.yaml': 'name: a\ntasks:\n\t- copy: {}\n' }, 'jobs/a.yaml:3:1 invalid YAML'],
    ['duplicate key', { 'jobs/a.yaml': okJob + 'name: b\n' }, 'jobs/a.yaml:6:1 duplicate key'],
    [
      'wrong type',
      { 'jobs/a.yaml': okJob.replace('connection: main', 'connection: main\ncatchUp: yes please') },
      'jobs/a.yaml:4:10 catchUp must be a boolean',
    ],
    [
      'enum value',
      { 'jobs/a.yaml': okJob.replace('overwrite: always', 'overwrite: sometimes') },
      'jobs/a.yaml:5:34 tasks[0].copy.overwrite must be one of always, if-newer, never',
    ],
    [
      'unknown key with hint',
      { 'jobs/a.yaml': okJob.replace('connection: main', 'connection: main\ntimezne: UTC') },
      "jobs/a.yaml:4:1 timezne unknown key 'timezne' (did you mean 'timezone'?)",
    ],
    [
      'unknown task option',
      { 'jobs/a.yaml': okJob.replace('from: /a', 'from: /a, form: /b') },
      "jobs/a.yaml:5:23 tasks[0].copy.form unknown key 'form' (did you mean 'from'?)",
    ],
    [
      'unknown task type',
      { 'jobs/a.yaml': okJob.replace('- copy:', '- cpy:') },
      "jobs/a.yaml:5:5 tasks[0].cpy unknown key 'cpy' (did you mean 'copy'?)",
    ],
    [
      'missing required key',
      { 'jobs/a.yaml': 'name: a\nschedule: "* * * * *"\ntasks:\n  - copy: { from: /x }\n' },
      "jobs/a.yaml:1:1 is missing required key 'connection'",
    ],
    [
      'missing task option',
      { 'jobs/a.yaml': okJob.replace('from: /a, ', '') },
      "jobs/a.yaml:5:11 tasks[0].copy is missing required key 'from'",
    ],
    [
      'bad cron expression',
      { 'jobs/a.yaml': okJob.replace('0 2 * * *', '61 2 * * *') },
      "jobs/a.yaml:2:11 schedule '61 2 * * *' is not a valid cron expression: '61' is not a valid minute (0-59)",
    ],
    [
      'cron with too few fields',
      { 'jobs/a.yaml': okJob.replace('0 2 * * *', '0 2 *') },
      "jobs/a.yaml:2:11 schedule '0 2 *' is not a cron expression: expected 5 fields",
    ],
    // 02:30 on the second Sunday of March never exists in New York (clocks jump 02:00 -> 03:00).
    [
      'cron that never fires',
      {
        'jobs/a.yaml': okJob
          .replace('0 2 * * *', '30 2 8-14 3 0')
          .replace('connection: main', 'connection: main\ntimezone: America/New_York'),
      },
      "jobs/a.yaml:2:11 schedule '30 2 8-14 3 0' never fires",
    ],
    [
      'bad timezone',
      { 'jobs/a.yaml': okJob.replace('connection: main', 'connection: main\ntimezone: Europe/Berlinn') },
      "jobs/a.yaml:4:11 timezone 'Europe/Berlinn' is not a known IANA time zone",
    ],
    [
      'missing env var',
      { 'jobs/a.yaml': okJob.replace('from: /a', 'from: "/in/${INBOX}"') },
      'jobs/a.yaml:5:24 tasks[0].copy.from environment variable INBOX is not set',
    ],
    [
      'dangling connection',
      { 'jobs/a.yaml': okJob.replace('connection: main', 'connection: mian') },
      "jobs/a.yaml:3:13 connection names connection 'mian', which does not exist (known: main;",
    ],
    [
      'duplicate job names',
      { 'jobs/a.yaml': okJob, 'jobs/b.yaml': okJob },
      "jobs/b.yaml:1:7 name duplicate job name 'nightly' (also in",
    ],
    [
      'duplicate connection names',
      { 'connections/other.yaml': okConnection },
      "connections/other.yaml:1:7 name duplicate connection name 'main' (also in",
    ],
    [
      'unknown connection type',
      { 'connections/x.yaml': 'name: x\ntype: ftp\n' },
      "connections/x.yaml:2:7 type unknown connection type 'ftp' (known: probe)",
    ],
    [
      'bad connection name',
      { 'connections/x.yaml': 'name: "bad name!"\ntype: probe\n' },
      'connections/x.yaml:1:7 name must be 1-64 letters',
    ],
    [
      'task semantic check',
      { 'jobs/a.yaml': okJob.replace('from: /a', 'from: /') },
      'jobs/a.yaml:5:19 tasks[0].copy.from must not be the root',
    ],
    [
      'bad timeout',
      { 'jobs/a.yaml': okJob.replace('connection: main', 'connection: main\ntimeout: 2 hours') },
      'jobs/a.yaml:4:10 timeout has the wrong form',
    ],
    ['empty file', { 'jobs/a.yaml': '# nothing yet\n' }, 'jobs/a.yaml:1:1 file is empty'],
    ['not a mapping', { 'jobs/a.yaml': '- a\n- b\n' }, 'jobs/a.yaml:1:1 must be a mapping'],
    [
      'SOCKS4 proxy',
      { 'connections/p.yaml': 'name: p\ntype: probe\nproxy: { type: socks4, host: h, port: 1080 }\n' },
      'connections/p.yaml:3:16 proxy.type SOCKS4 is not supported',
    ],
    [
      'NTLM proxy auth',
      { 'connections/p.yaml': 'name: p\ntype: probe\nproxy:\n  type: http\n  host: h\n  port: 3128\n  auth: ntlm\n' },
      'connections/p.yaml:7:9 proxy.auth NTLM proxy authentication is not supported',
    ],
    [
      'config.yaml unknown key',
      { 'config.yaml': okConfig + 'admn: {}\n' },
      "config.yaml:3:1 admn unknown key 'admn' (did you mean 'admin'?)",
    ],
    [
      'config.yaml bad port',
      { 'config.yaml': okConfig + 'admin: { port: 70000 }\n' },
      'config.yaml:3:16 admin.port must be <= 65535',
    ],
  ];
  for (const [name, files, expected] of cases) {
    it(`reports ${name}`, async () => {
      const { lines } = await problemsOf({ 'jobs/ok.yaml': okJob.replace('nightly', 'other'), ...files });
      expect(
        lines.some((l) => l.startsWith(expected)),
        `${lines.join('\n')}\n--- expected a line starting with:\n${expected}`,
      ).toBe(true);
    });
  }

  it('reports every problem in every file in one run', async () => {
    const { lines, loaded } = await problemsOf({
      'jobs/a.yaml': okJob.replace('0 2 * * *', 'never'),
      'jobs/b.yaml': okJob
        .replace('nightly', 'b')
        .replace('connection: main', 'connection: nope')
        .replace('always', 'sometimes'),
      'connections/x.yaml': 'name: x\ntype: probe\nbogus: 1\n',
    });
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(new Set(loaded.problems.map((p) => p.file)).size).toBe(3);
    expect(loaded.invalidFiles.size).toBe(3);
    expect(loaded.jobs.map((j) => j.name)).toEqual([]);
  });

  it('never shows an interpolated secret in a message', async () => {
    const { lines } = await problemsOf(
      { 'connections/s.yaml': 'name: s\ntype: probe\ntoken: ${SECRET_TOKEN}\nextra: ${SECRET_TOKEN}\n' },
      { SECRET_TOKEN: 'sl.very-secret-value' },
    );
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.join('\n')).not.toContain('very-secret');
  });
});
