// Issue 15 rows 5 and 6 through the API: a dry run's plan (each action, its reason,
// its size: what `dropcron run --dry-run` prints) and a run's overall progress, from
// the real runner through the scheduler's events to GET /api/runs/:id/log.
import { afterEach, describe, expect, it } from 'vitest';
import { rm } from 'node:fs/promises';
import { configTree, jobYaml } from '../helpers/test-plugin.ts';
import { until } from '../helpers/wait.ts';
import { harness, type Harness } from '../scheduler/harness.ts';
import { fixture, signIn, type Fixture } from './helpers.ts';

describe('a run seen from the admin API', () => {
  let f: Fixture;
  let h: Harness;
  let dir: string;
  afterEach(async () => {
    await f.close();
    await h.scheduler.stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function start() {
    const tree = await configTree({
      'jobs/w.yaml': jobYaml(
        'w',
        '0 0 1 1 *',
        '  - write: { file: $DIR/out/a.txt, content: hello, chunks: 4 }\n' +
          '  - write: { file: $DIR/out/b.txt, content: "hello, world", chunks: 3 }\n',
      ),
    });
    dir = tree.dir;
    h = await harness(tree.configFile);
    f = await fixture({}, { scheduler: () => h.scheduler });
    return (await signIn(f.app)).headers;
  }

  const logOf = async (headers: Record<string, string>, id: string) => {
    await until(() => h.ended.some((r) => r.id === id), 'the run');
    const res = await f.app.inject({ method: 'GET', url: `/api/runs/${id}/log`, headers });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };

  it("keeps a dry run's plan: every action of every task with its reason and size", async () => {
    const headers = await start();
    const id = h.scheduler.runNow('w', { dryRun: true });
    const log = await logOf(headers, id);
    expect(log.planned).toBe(2);
    expect(log.plan).toEqual([
      { task: 'write', action: 'write', target: `${dir}/out/a.txt`, reason: 'new file', bytes: 5 },
      { task: 'write', action: 'write', target: `${dir}/out/b.txt`, reason: 'new file', bytes: 12 },
    ]);
  });

  it('reports the whole run: files and bytes of both tasks, and nothing in flight at the end', async () => {
    const headers = await start();
    const id = h.scheduler.runNow('w');
    const log = await logOf(headers, id);
    expect(log.plan).toEqual([]);
    expect(log.progress).toMatchObject({
      files: { done: 2, total: 2 },
      bytes: { done: 17, total: 17 },
      current: [],
    });
  });
});
