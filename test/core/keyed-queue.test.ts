// KeyedQueue: the one in-process "one at a time per key" of the admin edits, the
// history, the vault and the Dropbox namespace commits.
import { describe, it, expect } from 'vitest';
import { KeyedQueue } from '../../src/keyed-queue.ts';

/** A task that records its start and end and finishes when `release` is called. */
function gated(log: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  const fn = async () => {
    log.push(`${name}+`);
    await done;
    log.push(`${name}-`);
    return name;
  };
  return { fn, release };
}

describe('KeyedQueue', () => {
  it('runs tasks of one key one at a time in order, and other keys alongside', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const a = gated(log, 'a');
    const b = gated(log, 'b');
    const x = gated(log, 'x');
    const pa = q.run('k', a.fn);
    const pb = q.run('k', b.fn);
    const px = q.run('other', x.fn);
    await new Promise((r) => setImmediate(r));
    expect(log).toEqual(['a+', 'x+']);
    x.release();
    expect(await px).toBe('x');
    expect(log).toEqual(['a+', 'x+', 'x-']);
    a.release();
    b.release();
    expect(await Promise.all([pa, pb])).toEqual(['a', 'b']);
    expect(log).toEqual(['a+', 'x+', 'x-', 'a-', 'b+', 'b-']);
  });

  it('passes a failure to its caller and still runs what was queued after it', async () => {
    const q = new KeyedQueue();
    const failed = q.run('k', () => Promise.reject(new Error('no')));
    const next = q.run('k', async () => 'ran');
    await expect(failed).rejects.toThrow('no');
    expect(await next).toBe('ran');
  });

  it('idle waits for the queued tasks of a key, or of every key', async () => {
    const q = new KeyedQueue();
    const log: string[] = [];
    const a = gated(log, 'a');
    const b = gated(log, 'b');
    void q.run('k', a.fn);
    void q.run('j', b.fn);
    let keyIdle = false;
    let allIdle = false;
    void q.idle('k').then(() => (keyIdle = true));
    void q.idle().then(() => (allIdle = true));
    a.release();
    await q.idle('k');
    expect(keyIdle).toBe(true);
    expect(allIdle).toBe(false);
    b.release();
    await q.idle();
    expect(allIdle).toBe(true);
    await q.idle('never queued');
  });
});
