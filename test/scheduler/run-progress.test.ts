// Issue 15 row 6: a run's totals are what its tasks planned (TaskContext.planned), not
// the files seen so far, so files and bytes left and the time left are right from the
// start; a task that announced nothing still counts what it has reported. The CLI bar
// reads the same model.
import { describe, it, expect } from 'vitest';
import { RunProgress } from '../../src/scheduler/run-progress.ts';
import { ProgressDisplay } from '../../src/scheduler/progress-bar.ts';

describe('run progress with planned totals', () => {
  it('counts a plan as the totals before any file moves, and the time left against it', () => {
    let now = 0;
    const m = new RunProgress({ now: () => now });
    m.plan('0', { files: 4, bytes: 1000 });
    expect(m.snapshot()).toMatchObject({ files: { done: 0, total: 4 }, bytes: { done: 0, total: 1000 } });
    m.update('upload', { item: 'a', done: 0, total: 100 }, '0');
    now = 1000;
    m.update('upload', { item: 'a', done: 100, total: 100 }, '0');
    m.update('upload', { item: 'b', done: 100, total: 400 }, '0');
    const s = m.snapshot();
    expect(s.files).toEqual({ done: 1, total: 4 });
    expect(s.bytes).toEqual({ done: 200, total: 1000 });
    // 200 B in 1 s, 800 B left: 4 s (with seen totals it would say 300 B left, 1.5 s).
    expect(s.rate).toBe(200);
    expect(s.etaSeconds).toBe(4);
  });

  it('takes a corrected plan, never shows done past total, and keeps each task run apart', () => {
    const m = new RunProgress({ now: () => 0 });
    m.plan('0', { files: 1, bytes: 100 });
    // The file grew after planning: what was seen wins over a plan that fell short.
    m.update('upload', { item: 'a', done: 150, total: 150 }, '0');
    expect(m.snapshot()).toMatchObject({ files: { done: 1, total: 1 }, bytes: { done: 150, total: 150 } });
    m.plan('0', { files: 3, bytes: 600 });
    expect(m.snapshot()).toMatchObject({ files: { done: 1, total: 3 }, bytes: { done: 150, total: 600 } });
    // A second task of the same type has its own plan; a task without one counts what it reported.
    m.plan('1', { files: 2, bytes: 50 });
    m.update('download', { item: 'x', done: 10, total: 70 }, '2');
    expect(m.snapshot()).toMatchObject({ files: { done: 1, total: 6 }, bytes: { done: 160, total: 720 } });
  });

  it('counts an empty file as done at its one report, so a plan with one is reached', () => {
    const m = new RunProgress({ now: () => 0 });
    m.plan('0', { files: 2, bytes: 10 });
    expect(m.update('upload', { item: 'empty', done: 0, total: 0 }, '0')).toMatchObject({ item: 'empty', total: 0 });
    m.update('upload', { item: 'ten', done: 10, total: 10 }, '0');
    expect(m.snapshot()).toMatchObject({ files: { done: 2, total: 2 }, bytes: { done: 10, total: 10 }, current: [] });
    expect(m.allDone()).toBe(true);
  });
});

describe('the CLI bar with a plan', () => {
  it('draws the planned totals at once, before any file reports', () => {
    let out = '';
    const d = new ProgressDisplay({ write: (s: string) => (out += s) }, true, { now: () => 0 });
    d.planned('0', { files: 21, bytes: 440 * 1024 * 1024 });
    expect(out).toContain('0/21 files 0 B/440 MiB');
    d.update('upload', { item: 'a', done: 1024, total: 2048 }, '0');
    d.update('upload', { item: 'a', done: 2048, total: 2048 }, '0');
    expect(out.split('\r\x1b[2K').at(-1)).toMatch(/ 1\/21 files 2\.0 KiB\/440 MiB/);
  });
});
