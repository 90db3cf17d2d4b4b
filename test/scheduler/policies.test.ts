// Firing, overlap, the global limit, timeouts and retries, driven by fake timers.
import { describe, it, expect, afterEach, vi } from 'vitest';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configTree, jobYaml } from '../helpers/test-plugin.ts';
import { harness, type Harness } from './harness.ts';
import { until, FAKE } from '../helpers/wait.ts';
import { backoffDelay } from '../../src/scheduler/timers.ts';

let h: Harness | undefined;
afterEach(async () => {
  vi.useRealTimers();
  await h?.scheduler.stop();
  h = undefined;
});

const YEARLY = '0 0 1 1 *';
const sleepTask = (ms: number, id: string, extra = '') => `  - sleep: { ms: ${ms}, id: ${id}${extra} }\n`;

async function start(files: Record<string, string>, config = '', opts: Parameters<typeof harness>[1] = {}) {
  vi.useFakeTimers({ now: new Date('2026-06-01T12:00:30Z'), ...FAKE });
  const tree = await configTree(files, config);
  h = await harness(tree.configFile, opts);
  return { ...tree, h };
}

const outcomes = (hh: Harness) => hh.ended.map((r) => r.outcome);

describe('firing', () => {
  it('runs a job at its cron slot, in order, and records the run', async () => {
    const { dir, h } = await start({
      'jobs/w.yaml': jobYaml('w', '* * * * *', '  - emit: { items: [a, b] }\n  - write: { file: $DIR/out/w.txt }\n'),
    });
    await vi.advanceTimersByTimeAsync(29_000);
    expect(h.ended).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    await until(() => h.ended.length === 1, 'the run');
    const [run] = h.ended;
    expect(run).toMatchObject({
      job: 'w',
      trigger: 'schedule',
      outcome: 'success',
      scheduledAt: '2026-06-01T12:01:00.000Z',
      attempt: 1,
    });
    expect(run!.tasks.map((t) => [t.type, t.counts])).toEqual([
      ['emit', { items: 2 }],
      ['write', { written: 1 }],
    ]);
    expect(run!.bytes).toBe(3);
    // The previous task's output was the next one's input.
    expect(await readFile(join(dir, 'out/w.txt'), 'utf8')).toBe('a\nb');
    expect(existsSync(join(dir, 'out/w.txt.partial'))).toBe(false);
    await until(async () => (await h.scheduler.history.list('w')).length === 1, 'history');
    expect(h.scheduler.health().jobs[0]).toMatchObject({
      name: 'w',
      lastOutcome: 'success',
      nextRun: '2026-06-01T12:02:00.000Z',
      running: false,
    });
  });

  it('hands each task a context: child logger, signal, vars, progress', async () => {
    const { h, dir } = await start({
      'jobs/c.yaml': jobYaml(
        'c',
        YEARLY,
        '  - write: { file: $DIR/c.txt, content: hello, chunks: 4 }\n',
        'timezone: Europe/Berlin\n',
      ),
    });
    const progress: number[] = [];
    h.scheduler.events.on('run:progress', (p) => progress.push(p.bytes.done));
    const logs: string[] = [];
    h.scheduler.events.on('run:log', (l) => logs.push(l.msg));
    const id = h.scheduler.runNow('c');
    await until(() => h.ended.length === 1, 'the run');
    const { ctx } = h.state.contexts[0]!;
    // baseDir: relative local paths in tasks are read from config.yaml's folder.
    expect(ctx.vars).toEqual({
      now: new Date('2026-06-01T12:00:30Z'),
      timezone: 'Europe/Berlin',
      job: 'c',
      baseDir: dir,
    });
    expect(ctx.dryRun).toBe(false);
    expect(ctx.connection).toEqual({ name: 'main', label: 'one' });
    expect(ctx.log.bindings()).toMatchObject({ job: 'c', task: 'write', runId: id });
    // Progress events are throttled but never drop the first report or the finished state.
    expect(progress[0]).toBe(1);
    expect(progress.at(-1)).toBe(5);
    expect(logs.some((m) => m.startsWith('write: wrote '))).toBe(true);
    expect(h.lines.find((l) => l.msg.startsWith('write: wrote') || String(l.msg).startsWith('wrote'))).toMatchObject({
      job: 'c',
      task: 'write',
      runId: id,
    });
  });

  it('a failing task fails the run with its message on one line', async () => {
    const { h } = await start({
      'jobs/f.yaml': jobYaml(
        'f',
        YEARLY,
        '  - emit: { items: [] }\n  - fail: { message: disk full }\n  - emit: { items: [never] }\n',
      ),
    });
    h.scheduler.runNow('f');
    await until(() => h.ended.length === 1, 'the run');
    expect(h.ended[0]).toMatchObject({ outcome: 'failed', error: 'task 2 (fail): disk full' });
    expect(h.ended[0]!.tasks.map((t) => t.type)).toEqual(['emit', 'fail']);
    expect(h.ended[0]!.tasks[1]!.error).toBe('disk full');
  });

  it('a task that failed part-way keeps what it did and its first failed items in the record', async () => {
    const items = Array.from({ length: 25 }, (_, i) => `/f${i}: no room`);
    const { h } = await start({
      'jobs/p.yaml': jobYaml(
        'p',
        YEARLY,
        `  - fail: { message: 25 items failed, failedItems: ${JSON.stringify(items)} }\n`,
      ),
    });
    h.scheduler.runNow('p');
    await until(() => h.ended.length === 1, 'the run');
    const t = h.ended[0]!.tasks[0]!;
    expect(t).toMatchObject({ counts: { done: 1 }, bytes: 10, warnings: ['one warning'], error: '25 items failed' });
    expect(t.failures).toEqual(items.slice(0, 20));
    expect(t.failedItems).toBe(25);
  });
});

describe('overlap', () => {
  it('skip (default): a run while the previous one runs is recorded as skipped', async () => {
    const { h } = await start({ 'jobs/s.yaml': jobYaml('s', '* * * * *', sleepTask(90_000, 's')) });
    await vi.advanceTimersByTimeAsync(30_000); // 12:01 starts
    expect(h.state.events).toEqual(['start:s']);
    await vi.advanceTimersByTimeAsync(60_000); // 12:02 fires while running
    await until(() => h.ended.length === 1, 'the skipped record');
    expect(h.ended[0]).toMatchObject({ outcome: 'skipped', scheduledAt: '2026-06-01T12:02:00.000Z' });
    expect(h.ended[0]!.error).toMatch(/still running/);
    await vi.advanceTimersByTimeAsync(30_000); // 12:02:30 the first ends
    await until(() => h.ended.length === 2, 'the first run');
    expect(outcomes(h)).toEqual(['skipped', 'success']);
    expect(h.state.events).toEqual(['start:s', 'end:s']);
  });

  it('queue: a run waits for the previous one; further requests fold into the waiting one', async () => {
    const { h } = await start({ 'jobs/q.yaml': jobYaml('q', YEARLY, sleepTask(10_000, 'q'), 'overlap: queue\n') });
    const first = h.scheduler.runNow('q');
    const second = h.scheduler.runNow('q');
    const third = h.scheduler.runNow('q');
    expect(third).toBe(second);
    expect(second).not.toBe(first);
    await vi.advanceTimersByTimeAsync(10_000);
    await until(() => h.state.events.length === 3, 'the queued run to start');
    expect(h.state.events).toEqual(['start:q', 'end:q', 'start:q']);
    await vi.advanceTimersByTimeAsync(10_000);
    await until(() => h.ended.length === 2, 'both runs');
    expect(h.ended.map((r) => [r.id, r.outcome])).toEqual([
      [first, 'success'],
      [second, 'success'],
    ]);
  });
});

describe('global limit', () => {
  it('runs at most maxConcurrentJobs at once; the others wait their turn', async () => {
    const { h } = await start(
      {
        'jobs/a.yaml': jobYaml('a', YEARLY, sleepTask(10_000, 'a')),
        'jobs/b.yaml': jobYaml('b', YEARLY, sleepTask(10_000, 'b')),
        'jobs/c.yaml': jobYaml('c', YEARLY, sleepTask(10_000, 'c')),
      },
      'maxConcurrentJobs: 2\n',
    );
    h.scheduler.runNow('a');
    h.scheduler.runNow('b');
    h.scheduler.runNow('c');
    await vi.advanceTimersByTimeAsync(0);
    expect(h.state.events).toEqual(['start:a', 'start:b']);
    expect(h.scheduler.health().jobs.map((j) => j.running)).toEqual([true, true, false]);
    await vi.advanceTimersByTimeAsync(10_000);
    await until(() => h.state.events.includes('start:c'), 'c to start');
    expect(h.state.events.slice(2).sort()).toEqual(['end:a', 'end:b', 'start:c']);
    await vi.advanceTimersByTimeAsync(10_000);
    await until(() => h.ended.length === 3, 'all runs');
    expect(outcomes(h)).toEqual(['success', 'success', 'success']);
  });
});

describe('timeout', () => {
  it('aborts the running task through its signal and records a timeout', async () => {
    const { h } = await start({ 'jobs/t.yaml': jobYaml('t', YEARLY, sleepTask(60_000, 't'), 'timeout: 5s\n') });
    h.scheduler.runNow('t');
    await vi.advanceTimersByTimeAsync(4_999);
    expect(h.state.events).toEqual(['start:t']);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => h.ended.length === 1, 'the run');
    expect(h.state.events).toEqual(['start:t', 'aborted:t']);
    expect(h.ended[0]).toMatchObject({ outcome: 'timeout', error: 'timed out after 5.0s', durationMs: 5_000 });
  });

  it('gives up on a task that ignores its signal after the settle time', async () => {
    const { h } = await start(
      { 'jobs/t.yaml': jobYaml('t', YEARLY, sleepTask(60_000, 't', ', ignoreAbort: true'), 'timeout: 5s\n') },
      '',
      { abortSettleMs: 2_000 },
    );
    h.scheduler.runNow('t');
    await vi.advanceTimersByTimeAsync(6_999);
    expect(h.ended).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => h.ended.length === 1, 'the run');
    expect(h.ended[0]).toMatchObject({ outcome: 'timeout', error: 'timed out after 5.0s', durationMs: 7_000 });
  });
});

describe('retries', () => {
  it('retries a failed run with doubling backoff until it succeeds', async () => {
    const { h } = await start({
      'jobs/r.yaml': jobYaml('r', YEARLY, '  - fail: { times: 2 }\n', 'retries: { count: 3, backoff: 10s }\n'),
    });
    h.scheduler.runNow('r');
    await until(() => h.ended.length === 1, 'first attempt');
    // The harness's jitter is 0.5: equal jitter waits 3/4 of 10 s, then of 20 s.
    await vi.advanceTimersByTimeAsync(7_499);
    expect(h.ended.length).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => h.ended.length === 2, 'second attempt');
    await vi.advanceTimersByTimeAsync(14_999);
    expect(h.ended.length).toBe(2);
    await vi.advanceTimersByTimeAsync(1);
    await until(() => h.ended.length === 3, 'third attempt');
    expect(h.ended.map((r) => [r.trigger, r.attempt, r.outcome])).toEqual([
      ['manual', 1, 'failed'],
      ['retry', 2, 'failed'],
      ['retry', 3, 'success'],
    ]);
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(h.ended.length).toBe(3);
  });

  it('stops after `count` retries', async () => {
    const { h } = await start({
      'jobs/r.yaml': jobYaml('r', YEARLY, '  - fail: {}\n', 'retries: { count: 1, backoff: 1s }\n'),
    });
    h.scheduler.runNow('r');
    await until(() => h.ended.length === 1, 'first attempt');
    await vi.advanceTimersByTimeAsync(750);
    await until(() => h.ended.length === 2, 'the retry');
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(h.ended.map((r) => r.outcome)).toEqual(['failed', 'failed']);
  });

  // Issue 11 row 9: a failure a retry cannot fix (a revoked grant, a full account, a
  // tripped delete guard, a wrong option) fails the run once; a transient one is retried.
  it.each([
    ['fatal', 1],
    ['no-retry', 1],
    ['user', 1],
    ['transient', 4],
  ])('a %s failure runs %i time(s) with retries: { count: 3 }', async (kind, runs) => {
    const { h } = await start({
      'jobs/r.yaml': jobYaml('r', YEARLY, `  - fail: { kind: ${kind} }\n`, 'retries: { count: 3, backoff: 1s }\n'),
    });
    h.scheduler.runNow('r');
    await until(() => h.ended.length === 1, 'first attempt');
    // The decision is made as the run ends, before any backoff timer: it shows in the log.
    expect(h.lines.some((l) => /^retry 1 of 3 for r/.test(String(l.msg)))).toBe(runs > 1);
    for (let n = 2; n <= runs; n++) {
      await vi.advanceTimersByTimeAsync(10_000); // beyond each backoff of 1, 2 and 4 s
      await until(() => h.ended.length === n, `attempt ${n}`);
    }
    await vi.advanceTimersByTimeAsync(3_600_000);
    expect(h.ended).toHaveLength(runs);
    const code = `TEST_${kind.toUpperCase().replace('-', '_')}`;
    expect(h.ended[0]).toMatchObject({ outcome: 'failed', code, kind });
    expect(h.ended[0]!.tasks[0]).toMatchObject({ type: 'fail', code, kind });
  });

  it('backoff is min·2^(n-1), capped, then equal jitter: half fixed, half random', () => {
    expect([1, 2, 3, 4].map((n) => backoffDelay(n, 1000, 60_000, () => 0.5))).toEqual([750, 1500, 3000, 6000]);
    expect(backoffDelay(3, 1000, 60_000, () => 0)).toBe(2000);
    expect(backoffDelay(3, 1000, 60_000, () => 0.999)).toBe(3998);
    // At the cap the jitter still spreads retries, and never goes above the cap.
    expect(backoffDelay(20, 1000, 60_000, () => 0)).toBe(30_000);
    expect(backoffDelay(20, 1000, 60_000, () => 0.999)).toBe(59_970);
  });
});

describe('health and events', () => {
  it('a 30 s heartbeat moves lastTick; jobs show next run, last outcome and whether they run', async () => {
    const { h } = await start({
      'jobs/a.yaml': jobYaml('a', '0 3 * * *', sleepTask(5_000, 'a'), 'timezone: Europe/Berlin\n'),
      'jobs/off.yaml': jobYaml('off', YEARLY, sleepTask(1, 'off'), 'enabled: false\n'),
    });
    expect(h.scheduler.health().lastTick).toBe('2026-06-01T12:00:30.000Z');
    await vi.advanceTimersByTimeAsync(29_999);
    expect(h.scheduler.health().lastTick).toBe('2026-06-01T12:00:30.000Z');
    await vi.advanceTimersByTimeAsync(1);
    expect(h.scheduler.health().lastTick).toBe('2026-06-01T12:01:00.000Z');
    const id = h.scheduler.runNow('a');
    expect(h.scheduler.health().jobs).toEqual([
      {
        name: 'a',
        enabled: true,
        schedule: '0 3 * * *',
        timezone: 'Europe/Berlin',
        nextRun: '2026-06-02T01:00:00.000Z',
        lastOutcome: null,
        lastRunAt: null,
        running: true,
        runId: id,
      },
      {
        name: 'off',
        enabled: false,
        schedule: YEARLY,
        timezone: 'UTC',
        nextRun: null,
        lastOutcome: null,
        lastRunAt: null,
        running: false,
        runId: null,
      },
    ]);
    await vi.advanceTimersByTimeAsync(5_000);
    await until(() => h.ended.length === 1, 'the run');
    expect(h.scheduler.health().jobs[0]).toMatchObject({
      lastOutcome: 'success',
      lastRunAt: '2026-06-01T12:01:00.000Z',
      running: false,
      runId: null,
    });
    // A disabled job can still be run by hand.
    h.scheduler.runNow('off');
    await vi.advanceTimersByTimeAsync(1);
    await until(() => h.ended.length === 2, 'the manual run');
    expect(() => h.scheduler.runNow('nope')).toThrow("no job named 'nope'");
  });

  it('run:start, run:log and run:end carry names, counts and messages only', async () => {
    const { h } = await start({
      'connections/main.yaml': 'name: main\ntype: test\nlabel: secret-label\n',
      'jobs/e.yaml': jobYaml('e', YEARLY, '  - write: { file: $DIR/e.txt, content: abc }\n'),
    });
    const seen: Array<[string, unknown]> = [];
    for (const ev of ['run:start', 'run:progress', 'run:log', 'run:end'] as const)
      h.scheduler.events.on(ev, (p: unknown) => seen.push([ev, p]));
    const id = h.scheduler.runNow('e', { dryRun: false });
    await until(() => h.ended.length === 1, 'the run');
    expect(seen[0]).toEqual([
      'run:start',
      { runId: id, job: 'e', trigger: 'manual', attempt: 1, dryRun: false, startedAt: '2026-06-01T12:00:30.000Z' },
    ]);
    expect(seen.map(([ev]) => ev)).toEqual(['run:start', 'run:log', 'run:progress', 'run:log', 'run:log', 'run:end']);
    expect(seen.filter(([ev]) => ev === 'run:log').map(([, p]) => (p as { msg: string }).msg)).toEqual([
      'run started (manual)',
      expect.stringMatching(/^write: wrote .*e\.txt$/),
      expect.stringMatching(/^run succeeded in /),
    ]);
    expect(JSON.stringify(seen)).not.toContain('secret-label');
  });
});
