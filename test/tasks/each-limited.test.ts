// eachLimited, the bound on files in flight: jobs are gates the test opens one by one,
// so what runs at once is counted, never timed.
import { describe, expect, it } from 'vitest';
import { eachLimited } from '../../plugins/dropbox/api/each-limited.ts';
import { until } from '../helpers/wait.ts';

/** Jobs that run until the test finishes them; records which started and which ended. */
function gates() {
  const started: number[] = [];
  const ended: number[] = [];
  const open = new Map<number, { resolve(): void; reject(err: unknown): void }>();
  const job = (i: number) =>
    new Promise<void>((resolve, reject) => {
      started.push(i);
      open.set(i, { resolve, reject });
    }).finally(() => {
      open.delete(i);
      ended.push(i);
    });
  const finish = (i: number, err?: unknown) => (err === undefined ? open.get(i)!.resolve() : open.get(i)!.reject(err));
  const running = () => [...open.keys()].sort((a, b) => a - b);
  return { job, finish, running, started, ended };
}
type Gates = ReturnType<typeof gates>;

describe('eachLimited', () => {
  it('runs every job, never more than the limit at once, in index order', async () => {
    const g = gates();
    const all = eachLimited(7, 3, g.job);
    await until(() => g.started.length === 3, 'three jobs started');
    expect(g.running()).toEqual([0, 1, 2]);
    g.finish(1);
    await until(() => g.started.length === 4, 'a fourth job took the free slot');
    expect(g.running()).toEqual([0, 2, 3]);
    while (g.running().length) {
      g.finish(g.running()[0]!);
      const left = 7 - g.ended.length - 1;
      await until(() => g.running().length === Math.min(3, left), 'the free slot taken');
    }
    await all;
    expect(g.started).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it.each([
    { why: 'a job throws', stop: (g: Gates) => g.finish(0, new Error('stopped here')) },
    {
      why: 'the signal aborts',
      stop: (g: Gates, ac: AbortController) => {
        ac.abort(new Error('stopped here'));
        g.finish(0); // a job that ends well after the abort frees a slot nobody takes
      },
    },
  ])('when $why: starts no more, waits for the running ones, then rethrows', async ({ stop }) => {
    const g = gates();
    const ac = new AbortController();
    let settled = false;
    const all = eachLimited(6, 2, g.job, ac.signal).finally(() => (settled = true));
    await until(() => g.started.length === 2, 'two jobs started');
    stop(g, ac);
    await until(() => g.ended.includes(0), 'job 0 ended');
    await new Promise((r) => setImmediate(r));
    expect(g.running()).toEqual([1]); // no job took the freed slot
    expect(settled).toBe(false); // job 1 still runs
    g.finish(1);
    await expect(all).rejects.toThrow('stopped here');
    expect(g.started).toEqual([0, 1]);
  });

  it('an abort after the last job has started is not an error of this call', async () => {
    const g = gates();
    const ac = new AbortController();
    const all = eachLimited(2, 2, g.job, ac.signal);
    await until(() => g.started.length === 2, 'both jobs started');
    ac.abort();
    g.finish(0);
    g.finish(1);
    await expect(all).resolves.toBeUndefined();
  });
});
