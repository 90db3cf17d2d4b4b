// A hostile edit reaching a running daemon's hot reload (issue 11, rows 1-3): logged at
// file:line:col, and the last valid version keeps running.
import { describe, it, expect, afterEach } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configTree, jobYaml } from '../helpers/test-plugin.ts';
import { harness, type Harness } from './harness.ts';
import { until } from '../helpers/wait.ts';
import { watchConfig, type ConfigWatcher } from '../../src/scheduler/reload.ts';

let h: Harness | undefined;
let watcher: ConfigWatcher | undefined;
afterEach(async () => {
  watcher?.close();
  await h?.scheduler.stop();
  h = undefined;
});

const emit = '  - emit: { items: [] }\n';

describe('hot reload of a hostile edit', () => {
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
    const tree = await configTree({ 'jobs/a.yaml': jobYaml('a', '0 1 * * *', emit) });
    h = await harness(tree.configFile);
    const hh = h;
    watcher = watchConfig({
      config: hh.loaded.config,
      registry: hh.registry,
      scheduler: hh.scheduler,
      log: hh.log,
      env: {},
      debounceMs: 30,
    });
    await writeFile(join(tree.dir, 'jobs/a.yaml'), text);
    await until(() => hh.lines.some((l) => logged.test(String(l.msg))), 'the problem to be logged', 30_000);
    expect(hh.lines.filter((l) => /reload failed/.test(String(l.msg)))).toEqual([]);
    expect(hh.scheduler.jobDefinitions().map((j) => j.schedule)).toEqual(['0 1 * * *']);
    hh.scheduler.runNow('a');
    await until(() => hh.ended.length === 1, 'a run of the kept version');
    expect(hh.ended[0]!.outcome).toBe('success');
  });
});
