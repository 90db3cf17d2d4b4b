// Hot reload through fs.watch: valid edits apply, broken edits keep the last valid
// version, removed files go away, changed connections get fresh clients.
import { describe, it, expect, afterEach } from 'vitest';
import { writeFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { configTree, jobYaml } from '../helpers/test-plugin.ts';
import { harness, type Harness } from './harness.ts';
import { until } from '../helpers/wait.ts';
import { watchConfig, keepLastValid, type ConfigWatcher } from '../../src/scheduler/reload.ts';

let h: Harness | undefined;
let watcher: ConfigWatcher | undefined;
afterEach(async () => {
  watcher?.close();
  await h?.scheduler.stop();
  h = undefined;
});

const YEARLY = '0 0 1 1 *';
const emit = '  - emit: { items: [] }\n';

async function boot(files: Record<string, string>) {
  const tree = await configTree(files);
  h = await harness(tree.configFile);
  watcher = watchConfig({
    config: h.loaded.config,
    registry: h.registry,
    scheduler: h.scheduler,
    log: h.log,
    env: {},
    debounceMs: 30,
  });
  return { ...tree, h };
}

const schedules = (hh: Harness) => Object.fromEntries(hh.scheduler.jobDefinitions().map((j) => [j.name, j.schedule]));

describe('hot reload', () => {
  it('applies a valid edit, an added file and a removed file without a restart', async () => {
    const { dir, h } = await boot({
      'jobs/a.yaml': jobYaml('a', '0 1 * * *', emit),
      'jobs/b.yaml': jobYaml('b', YEARLY, emit),
    });
    await writeFile(join(dir, 'jobs/a.yaml'), jobYaml('a', '0 2 * * *', emit));
    await until(() => schedules(h).a === '0 2 * * *', 'the edit to apply');
    expect(h.scheduler.health().jobs.find((j) => j.name === 'a')!.nextRun).toMatch(/T02:00:00\.000Z$/);

    await writeFile(join(dir, 'jobs/c.yaml'), jobYaml('c', '*/5 * * * *', emit));
    await until(() => 'c' in schedules(h), 'the new job');

    await rm(join(dir, 'jobs/b.yaml'));
    await until(() => !('b' in schedules(h)), 'the removed job to go');
    expect(schedules(h)).toEqual({ a: '0 2 * * *', c: '*/5 * * * *' });
    expect(() => h.scheduler.runNow('b')).toThrow("no job named 'b'");
  });

  it('reports a broken edit at file:line:col and keeps the last valid version running', async () => {
    const { dir, h } = await boot({ 'jobs/a.yaml': jobYaml('a', '0 1 * * *', emit) });
    await writeFile(join(dir, 'jobs/a.yaml'), jobYaml('a', '0 99 * * *', emit));
    await until(() => h.lines.some((l) => String(l.msg).includes('keeps running')), 'the problem to be logged');
    const line = h.lines.find((l) => String(l.msg).includes('keeps running'))!;
    expect(line.msg).toMatch(
      /a\.yaml:2:11 schedule '0 99 \* \* \*' is not a valid cron expression.*\(the last valid version of this file keeps running\)$/,
    );
    expect(line).toMatchObject({ level: 40, line: 2, col: 11 });
    expect(schedules(h)).toEqual({ a: '0 1 * * *' });
    // The old version still runs.
    h.scheduler.runNow('a');
    await until(() => h.ended.length === 1, 'a run of the old version');
    expect(h.ended[0]!.outcome).toBe('success');
    // Fixing the file applies the fix.
    await writeFile(join(dir, 'jobs/a.yaml'), jobYaml('a', '0 3 * * *', emit));
    await until(() => schedules(h).a === '0 3 * * *', 'the fix to apply');
  });

  it('a changed connection gets a fresh client; the old one is closed', async () => {
    const { dir, h } = await boot({ 'jobs/a.yaml': jobYaml('a', YEARLY, emit) });
    h.scheduler.runNow('a');
    await until(() => h.ended.length === 1, 'the first run');
    await writeFile(join(dir, 'connections/main.yaml'), 'name: main\ntype: test\nlabel: two\n');
    await until(() => h.scheduler.connectionDefinitions()[0]?.label === 'two', 'the connection edit');
    h.scheduler.runNow('a');
    await until(() => h.ended.length === 2, 'the second run');
    expect(h.state.opened).toEqual([
      { name: 'main', label: 'one' },
      { name: 'main', label: 'two' },
    ]);
    expect(h.state.closed).toBe(1);
    // A broken connection file keeps the last valid connection.
    await writeFile(join(dir, 'connections/main.yaml'), 'name: main\ntype: test\nlabel: [unclosed\n');
    await until(() => h.lines.some((l) => String(l.msg).includes('main.yaml:4:1 invalid YAML')), 'the problem');
    expect(h.scheduler.connectionDefinitions()[0]?.label).toBe('two');
    // The job naming it is now invalid too, and keeps its last valid version.
    expect(Object.keys(schedules(h))).toEqual(['a']);
    h.scheduler.runNow('a');
    await until(() => h.ended.length === 3, 'a run on the kept connection');
    expect(h.ended[2]!.outcome).toBe('success');
  });

  // Issue 11: edits that used to crash the reload or block it for seconds.
  it.each([
    [
      'a cron range of 10^11 minutes',
      jobYaml('a', '1-99999999999 * * * *', emit),
      /a\.yaml:2:11 schedule .*'1-99999999999' is not a valid minute \(0-59\)/,
    ],
    [
      '50,000 unknown keys',
      jobYaml('a', '0 2 * * *', emit) + Array.from({ length: 50_000 }, (_, i) => `k${i}: ${i}\n`).join(''),
      /a\.yaml:6:1 k0 unknown key 'k0'/,
    ],
  ])('%s: logged with its position, the last valid version keeps running', async (_what, text, logged) => {
    const { dir, h } = await boot({ 'jobs/a.yaml': jobYaml('a', '0 1 * * *', emit) });
    await writeFile(join(dir, 'jobs/a.yaml'), text);
    await until(() => h.lines.some((l) => logged.test(String(l.msg))), 'the problem to be logged', 30_000);
    expect(h.lines.filter((l) => /reload failed/.test(String(l.msg)))).toEqual([]);
    expect(schedules(h)).toEqual({ a: '0 1 * * *' });
    h.scheduler.runNow('a');
    await until(() => h.ended.length === 1, 'a run of the kept version');
    expect(h.ended[0]!.outcome).toBe('success');
  });

  it('keepLastValid keeps previous definitions only from invalid files', () => {
    const prev = [
      { name: 'a', file: '/j/a.yaml' },
      { name: 'b', file: '/j/b.yaml' },
      { name: 'c', file: '/j/c.yaml' },
    ];
    const fresh = [{ name: 'a', file: '/j/a.yaml' }];
    expect(keepLastValid(fresh, prev, new Set(['/j/b.yaml']))).toEqual([
      { name: 'a', file: '/j/a.yaml' },
      { name: 'b', file: '/j/b.yaml' },
    ]);
  });
});
