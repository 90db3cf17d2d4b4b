// What survives a restart (history, fire times for catch-up) and how stop() ends runs.
import { describe, it, expect, afterEach, vi } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { configTree, createTestPlugin, jobYaml } from '../helpers/test-plugin.ts';
import { harness, type Harness } from './harness.ts';
import { until, FAKE } from '../helpers/wait.ts';
import { FileRunHistory } from '../../src/store/history.ts';

const open: Harness[] = [];
afterEach(async () => {
  vi.useRealTimers();
  for (const h of open.splice(0)) await h.scheduler.stop();
});

async function boot(configFile: string, opts: Parameters<typeof harness>[1] = {}) {
  const h = await harness(configFile, opts);
  open.push(h);
  return h;
}

const HOURLY = '0 * * * *';
const YEARLY = '0 0 1 1 *';

describe('catch-up after downtime', () => {
  it('runs a catchUp job once for all slots missed while down, and only that job', async () => {
    vi.useFakeTimers({ now: new Date('2026-06-01T12:30:00Z'), ...FAKE });
    const { dir, configFile } = await configTree({
      'jobs/late.yaml': jobYaml('late', HOURLY, '  - emit: { items: [] }\n', 'catchUp: true\n'),
      'jobs/plain.yaml': jobYaml('plain', HOURLY, '  - emit: { items: [] }\n'),
    });
    const first = await boot(configFile);
    await first.scheduler.stop();
    const saved = JSON.parse(await readFile(join(dir, 'state/scheduler.json'), 'utf8'));
    expect(saved.jobs.late).toMatchObject({
      schedule: HOURLY,
      timezone: 'UTC',
      nextScheduledAt: '2026-06-01T13:00:00.000Z',
    });

    // Down from 12:30 to 15:10: the 13:00, 14:00 and 15:00 slots were missed.
    vi.setSystemTime(new Date('2026-06-01T15:10:00Z'));
    const second = await boot(configFile);
    await until(() => second.ended.length === 1, 'the catch-up run');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(second.ended.map((r) => [r.job, r.trigger, r.scheduledAt, r.outcome])).toEqual([
      ['late', 'catch-up', '2026-06-01T13:00:00.000Z', 'success'],
    ]);
    await second.scheduler.stop();

    // Restarting again before the next slot catches nothing up.
    vi.setSystemTime(new Date('2026-06-01T15:20:00Z'));
    const third = await boot(configFile);
    await vi.advanceTimersByTimeAsync(1_000);
    await third.scheduler.idle();
    expect(third.ended).toEqual([]);
  });

  it('a changed schedule is not caught up under the old one', async () => {
    vi.useFakeTimers({ now: new Date('2026-06-01T12:30:00Z'), ...FAKE });
    const { dir, configFile } = await configTree({
      'jobs/late.yaml': jobYaml('late', HOURLY, '  - emit: { items: [] }\n', 'catchUp: true\n'),
    });
    await (await boot(configFile)).scheduler.stop();
    const { writeFile } = await import('node:fs/promises');
    await writeFile(
      join(dir, 'jobs/late.yaml'),
      jobYaml('late', '30 * * * *', '  - emit: { items: [] }\n', 'catchUp: true\n'),
    );
    vi.setSystemTime(new Date('2026-06-01T15:10:00Z'));
    const h = await boot(configFile);
    await h.scheduler.idle();
    expect(h.ended).toEqual([]);
  });
});

describe('missed slots while running (process asleep or blocked)', () => {
  it('logs them; a catchUp job runs once for all of them, others wait for the next slot', async () => {
    vi.useFakeTimers({ now: new Date('2026-06-01T12:00:30Z'), ...FAKE });
    const { configFile } = await configTree({
      'jobs/late.yaml': jobYaml('late', '*/2 * * * *', '  - emit: { items: [] }\n', 'catchUp: true\n'),
      'jobs/plain.yaml': jobYaml('plain', '*/2 * * * *', '  - emit: { items: [] }\n'),
    });
    const h = await boot(configFile);
    // The wall clock jumps while no timer runs, as after a suspend: the timer due
    // at 12:02 wakes at 12:05:30, past the 12:02 and 12:04 slots.
    vi.setSystemTime(new Date('2026-06-01T12:04:00Z'));
    await vi.advanceTimersByTimeAsync(91_000);
    await until(() => h.ended.length === 1, 'the catch-up run');
    await h.scheduler.idle();
    expect(h.ended.map((r) => [r.job, r.trigger, r.scheduledAt])).toEqual([
      ['late', 'catch-up', '2026-06-01T12:02:00.000Z'],
    ]);
    expect(h.lines.filter((l) => /^job plain missed its run at /.test(String(l.msg)))).toHaveLength(2);
    // Back on schedule afterwards.
    await vi.advanceTimersByTimeAsync(30_000);
    await until(() => h.ended.length === 3, 'the next slot');
    expect(
      h.ended
        .slice(1)
        .map((r) => [r.job, r.trigger, r.scheduledAt])
        .sort(),
    ).toEqual([
      ['late', 'schedule', '2026-06-01T12:06:00.000Z'],
      ['plain', 'schedule', '2026-06-01T12:06:00.000Z'],
    ]);
  });

  it('no catch-up when a slot runs on time right after the missed ones', async () => {
    vi.useFakeTimers({ now: new Date('2026-06-01T12:00:30Z'), ...FAKE });
    const { configFile } = await configTree({
      'jobs/late.yaml': jobYaml('late', '* * * * *', '  - emit: { items: [] }\n', 'catchUp: true\n'),
    });
    const h = await boot(configFile);
    // The timer due at 12:01 wakes at 12:05:30: 12:01-12:04 missed, 12:05 within tolerance.
    vi.setSystemTime(new Date('2026-06-01T12:05:00Z'));
    await vi.advanceTimersByTimeAsync(32_000);
    await until(() => h.ended.length === 1, 'the run');
    await h.scheduler.idle();
    expect(h.ended.map((r) => [r.trigger, r.scheduledAt])).toEqual([['schedule', '2026-06-01T12:05:00.000Z']]);
  });
});

describe('watchdog', () => {
  it('re-arms a timer that slept through its slot and catches the slot up once', async () => {
    vi.useFakeTimers({ now: new Date('2026-06-01T12:00:00Z'), ...FAKE });
    const { configFile } = await configTree({
      'jobs/daily.yaml': jobYaml('daily', '0 3 * * *', '  - emit: { items: [] }\n', 'catchUp: true\n'),
      'jobs/other.yaml': jobYaml('other', '0 3 * * *', '  - emit: { items: [] }\n'),
    });
    const h = await boot(configFile);
    // Suspended for 23 h: the wall clock moved, the 15 h timer to 03:00 did not.
    vi.setSystemTime(new Date('2026-06-02T11:00:00Z'));
    await vi.advanceTimersByTimeAsync(30_000);
    await until(() => h.ended.length === 1, 'the catch-up run');
    expect(h.ended.map((r) => [r.job, r.trigger, r.scheduledAt])).toEqual([
      ['daily', 'catch-up', '2026-06-02T03:00:00.000Z'],
    ]);
    expect(
      h.lines.filter((l) =>
        /^the timer of job \w+ did not fire for its 2026-06-02T03:00:00.000Z slot/.test(String(l.msg)),
      ),
    ).toHaveLength(2);
    expect(h.scheduler.health().jobs.map((j) => j.nextRun)).toEqual([
      '2026-06-03T03:00:00.000Z',
      '2026-06-03T03:00:00.000Z',
    ]);
    // The old timers are gone: the next slot runs each job once.
    await vi.advanceTimersByTimeAsync(16 * 3_600_000);
    await until(() => h.ended.length === 3, 'the next slot');
    await h.scheduler.idle();
    expect(
      h.ended
        .slice(1)
        .map((r) => [r.job, r.trigger, r.scheduledAt])
        .sort(),
    ).toEqual([
      ['daily', 'schedule', '2026-06-03T03:00:00.000Z'],
      ['other', 'schedule', '2026-06-03T03:00:00.000Z'],
    ]);
  });
});

describe('history', () => {
  it('keeps the newest historyLimit runs per job, across restarts', async () => {
    vi.useFakeTimers({ now: new Date('2026-06-01T12:00:00Z'), ...FAKE });
    const { dir, configFile } = await configTree(
      {
        'jobs/h.yaml': jobYaml('h', YEARLY, '  - fail: { times: 2 }\n'),
      },
      'historyLimit: 3\n',
    );
    const plugin = createTestPlugin();
    const h = await boot(configFile, { plugin });
    for (let i = 0; i < 5; i++) {
      h.scheduler.runNow('h');
      await until(() => h.ended.length === i + 1, `run ${i + 1}`);
      await vi.advanceTimersByTimeAsync(60_000);
    }
    await h.scheduler.stop();
    const ids = h.ended.map((r) => r.id);
    const kept = await new FileRunHistory(join(dir, 'state'), 3).list('h');
    expect(kept.map((r) => r.id)).toEqual([ids[4], ids[3], ids[2]]);
    expect(kept.map((r) => r.outcome)).toEqual(['success', 'success', 'success']);

    const again = await boot(configFile, { plugin });
    expect((await again.scheduler.history.list('h', 2)).map((r) => r.id)).toEqual([ids[4], ids[3]]);
    await until(() => again.scheduler.health().jobs[0]?.lastOutcome === 'success', 'health from history');
    expect(again.scheduler.health().jobs[0]!.lastRunAt).toBe(h.ended[4]!.startedAt);
  });

  it('keeps no secrets and no stack traces', async () => {
    vi.useFakeTimers({ now: new Date('2026-06-01T12:00:00Z'), ...FAKE });
    const { dir, configFile } = await configTree({
      'jobs/s.yaml': jobYaml(
        's',
        YEARLY,
        '  - fail: { message: "proxy said no to https://svc:hunter22@proxy.local/ with Bearer abc.def" }\n',
      ),
    });
    const h = await boot(configFile);
    h.scheduler.runNow('s');
    await until(() => h.ended.length === 1, 'the run');
    await h.scheduler.idle();
    const text = await readFile(join(dir, 'state/history/s.json'), 'utf8');
    expect(text).not.toContain('hunter22');
    expect(text).not.toContain('abc.def');
    expect(text).not.toContain('stack line');
    expect(h.ended[0]!.error).toBe(
      'task 1 (fail): proxy said no to https://[REDACTED]@proxy.local/ with Bearer [REDACTED]',
    );
  });
});

describe('graceful shutdown', () => {
  it('lets runs finish within the grace period, then aborts the rest and retries nothing', async () => {
    vi.useFakeTimers({ now: new Date('2026-06-01T12:00:00Z'), ...FAKE });
    const { configFile } = await configTree(
      {
        'jobs/quick.yaml': jobYaml('quick', YEARLY, '  - sleep: { ms: 1000, id: quick }\n'),
        'jobs/slow.yaml': jobYaml(
          'slow',
          YEARLY,
          '  - sleep: { ms: 60000, id: slow }\n',
          'retries: { count: 3, backoff: 1s }\n',
        ),
      },
      'shutdownGraceSeconds: 2\n',
    );
    const h = await boot(configFile);
    h.scheduler.runNow('quick');
    h.scheduler.runNow('slow');
    let stopped = false;
    const stopping = h.scheduler.stop().then(() => (stopped = true));
    expect(() => h.scheduler.runNow('quick')).toThrow('dropcron is shutting down');
    await vi.advanceTimersByTimeAsync(1_000);
    await until(() => h.ended.length === 1, 'quick to finish');
    expect(h.ended[0]).toMatchObject({ job: 'quick', outcome: 'success' });
    await vi.advanceTimersByTimeAsync(999);
    expect(h.state.events).not.toContain('aborted:slow');
    expect(stopped).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await stopping;
    expect(h.state.events).toContain('aborted:slow');
    expect(h.ended.map((r) => [r.job, r.outcome, r.error])).toEqual([
      ['quick', 'success', undefined],
      ['slow', 'aborted', 'aborted: dropcron is shutting down'],
    ]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(h.ended.length).toBe(2);
    expect(h.state.closed).toBe(1);
  });

  it('a run still waiting for a free slot is recorded as aborted without starting', async () => {
    vi.useFakeTimers({ now: new Date('2026-06-01T12:00:00Z'), ...FAKE });
    const { configFile } = await configTree(
      {
        'jobs/a.yaml': jobYaml('a', YEARLY, '  - sleep: { ms: 500, id: a }\n'),
        'jobs/b.yaml': jobYaml('b', YEARLY, '  - sleep: { ms: 500, id: b }\n'),
      },
      'maxConcurrentJobs: 1\n',
    );
    const h = await boot(configFile);
    h.scheduler.runNow('a');
    h.scheduler.runNow('b');
    const stopping = h.scheduler.stop();
    await vi.advanceTimersByTimeAsync(500);
    await stopping;
    expect(h.state.events).toEqual(['start:a', 'end:a']);
    expect(h.ended.map((r) => [r.job, r.outcome]).sort()).toEqual([
      ['a', 'success'],
      ['b', 'aborted'],
    ]);
    expect(h.ended.find((r) => r.job === 'b')!.error).toBe('aborted: dropcron shut down before the run could start');
  });
});
