// The `local` trigger without a daemon: when a file counts as arrived (StabilityTracker,
// driven with made-up times), and the watcher over a real folder (what it reports at
// start, what it ignores, a missing folder).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StabilityTracker } from '../../src/triggers/stability.ts';
import { localTrigger, type LocalTriggerOptions } from '../../src/triggers/local.ts';
import type { LocalFilesOutput } from '../../src/triggers/local-files.ts';
import type { TaskOutput } from '../../src/plugin.ts';
import { createLogger } from '../../src/log.ts';
import { until } from '../helpers/wait.ts';

describe('StabilityTracker', () => {
  const STABLE = 1000;
  const state = (size: number, mtimeMs = 1) => ({ size, mtimeMs });

  it('takes a file only after a look at least stableFor after its last change', () => {
    const t = new StabilityTracker(STABLE);
    t.observe('a', state(10), 0);
    t.observe('a', state(20), 500); // still growing
    t.observe('a', state(20), 1400); // unchanged, but not for long enough yet
    expect(t.takeStable()).toEqual([]);
    expect(t.nextDue()).toBe(1500);
    expect(t.due(1499)).toEqual([]);
    expect(t.due(1500)).toEqual(['a']);
    t.observe('a', state(20), 1500);
    expect(t.takeStable()).toEqual([['a', state(20)]]);
    expect(t.nextDue()).toBeUndefined();
  });

  it('never takes a file on one look, however long ago it was seen', () => {
    const t = new StabilityTracker(STABLE);
    t.observe('a', state(10), 0);
    expect(t.takeStable()).toEqual([]);
    // The confirming look finds it changed: the wait starts again from that look.
    t.observe('a', state(11), 10_000);
    expect(t.takeStable()).toEqual([]);
    expect(t.nextDue()).toBe(11_000);
  });

  it('counts a new modification time as a change even when the size is the same', () => {
    const t = new StabilityTracker(STABLE);
    t.observe('a', state(10, 1), 0);
    t.observe('a', state(10, 2), 1000);
    expect(t.takeStable()).toEqual([]);
    t.observe('a', state(10, 2), 2000);
    expect(t.takeStable()).toEqual([['a', state(10, 2)]]);
  });

  it('reports a file once, and again only after it changed and settled', () => {
    const t = new StabilityTracker(STABLE);
    t.observe('a', state(10), 0);
    t.observe('a', state(10), 1000);
    expect(t.takeStable()).toHaveLength(1);
    t.observe('a', state(10), 5000);
    expect(t.takeStable()).toEqual([]);
    t.observe('a', state(30), 6000);
    t.observe('a', state(30), 7000);
    expect(t.takeStable()).toEqual([['a', state(30)]]);
  });

  it('forgets files that are gone, so one that comes back is new', () => {
    const t = new StabilityTracker(STABLE);
    t.observe('a', state(10), 0);
    t.observe('b', state(10), 0);
    t.observe('a', state(10), 1000);
    t.observe('b', state(10), 1000);
    expect(t.takeStable()).toHaveLength(2);
    t.keepOnly(new Set(['b']));
    t.gone('b');
    t.observe('a', state(10), 2000);
    t.observe('a', state(10), 3000);
    expect(t.takeStable()).toEqual([['a', state(10)]]);
  });
});

describe('local trigger watching a folder', () => {
  let dir: string;
  let stop: AbortController;
  let reports: TaskOutput[];
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'dropcron-local-'));
    stop = new AbortController();
    reports = [];
  });
  afterEach(async () => {
    stop.abort();
    await rm(dir, { recursive: true, force: true });
  });

  const watch = (o: LocalTriggerOptions) =>
    localTrigger.watch(o, {
      connection: undefined,
      log: createLogger({ level: 'silent' }),
      signal: stop.signal,
      store: undefined as never, // the local trigger keeps nothing
      key: 'job',
      baseDir: dir,
      kept: async () => {}, // the local trigger keeps no position
      onChange: (o) => reports.push(o),
    });
  const reported = () => reports.flatMap((r) => (r as LocalFilesOutput).items.map((i) => i.relative)).sort();

  it('reports the files already there at start, skipping temporary and hidden names', async () => {
    await mkdir(join(dir, 'in/sub'), { recursive: true });
    for (const name of ['a.txt', 'b.pdf', '.hidden', 'c.part', 'd.TMP', '~$e.docx', 'sub/f.txt'])
      await writeFile(join(dir, 'in', name), name);
    const watching = watch({ path: 'in', stableFor: '200ms' });
    // Each file is reported once stable, so under load the two may come in separate reports.
    await until(() => reported().length >= 2, 'both files reported', 10_000);
    await new Promise((r) => setTimeout(r, 600)); // a few more looks: nothing else comes
    const first = reports[0] as LocalFilesOutput;
    expect(first.kind).toBe('local-files');
    expect(first.root).toBe(join(dir, 'in'));
    const a = reports.flatMap((r) => (r as LocalFilesOutput).items).find((i) => i.relative === 'a.txt');
    expect(a).toMatchObject({ path: join(dir, 'in/a.txt'), size: 5 });
    expect(reported()).toEqual(['a.txt', 'b.pdf']);
    stop.abort();
    await watching;
  });

  it('takes files in sub folders with recursive: true', async () => {
    await mkdir(join(dir, 'in'));
    const watching = watch({ path: join(dir, 'in'), recursive: true, stableFor: '200ms' });
    await new Promise((r) => setTimeout(r, 300));
    await mkdir(join(dir, 'in/x/y'), { recursive: true });
    await writeFile(join(dir, 'in/x/y/deep.txt'), 'deep');
    await until(() => reported().length > 0, 'the file in a new sub folder', 20_000);
    expect(reported()).toEqual(['x/y/deep.txt']);
    stop.abort();
    await watching;
  });

  it('fails with the folder named when it does not exist', async () => {
    await expect(watch({ path: 'missing' })).rejects.toThrow(`the local folder ${join(dir, 'missing')} does not exist`);
  });
});
