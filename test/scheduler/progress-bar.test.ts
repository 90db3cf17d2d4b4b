// The `dropcron run` progress display: numbers on the bar, what a log file sees, and
// the run's progress model under interleaved reports (transfers run many files at once).
import { describe, it, expect } from 'vitest';
import { barLine, ProgressDisplay } from '../../src/scheduler/progress-bar.ts';
import { RunProgress } from '../../src/scheduler/run-progress.ts';
import { formatBytes } from '../../src/format-bytes.ts';

const MiB = 1024 * 1024;

describe('progress display', () => {
  it('shows files, bytes, percentage, rate, ETA and the files in flight', () => {
    expect(
      barLine({
        files: { done: 3, total: 21 },
        bytes: { done: 25 * MiB, total: 100 * MiB },
        rate: 5 * MiB,
        etaSeconds: 15,
        current: [{ task: 'upload', item: 'db.sql.gz', done: 1, total: 2 }],
      }),
    ).toBe('[#####---------------]  25% 3/21 files 25 MiB/100 MiB 5.0 MiB/s ETA 15s · upload: db.sql.gz (+17 more)');
    expect(
      barLine({ files: { done: 0, total: 0 }, bytes: { done: 0, total: 0 }, rate: 0, etaSeconds: null, current: [] }),
    ).toBe('[--------------------]   0% 0/0 files 0 B/0 B');
    expect([0, 1023, 1024, 1536, 10 * 1024 ** 3].map(formatBytes)).toEqual([
      '0 B',
      '1023 B',
      '1.0 KiB',
      '1.5 KiB',
      '10 GiB',
    ]);
  });

  it('sums interleaved items into one run: files and bytes done of those seen, rate, time left', () => {
    let now = 0;
    const m = new RunProgress({ now: () => now });
    m.update('upload', { item: 'a', done: 0, total: 100 });
    m.update('upload', { item: 'b', done: 0, total: 300 });
    now = 1000;
    m.update('upload', { item: 'a', done: 50, total: 100 });
    m.update('upload', { item: 'b', done: 150, total: 300 });
    expect(m.snapshot()).toEqual({
      files: { done: 0, total: 2 },
      bytes: { done: 200, total: 400 },
      rate: 200,
      etaSeconds: 1,
      current: [
        { task: 'upload', item: 'a', done: 50, total: 100 },
        { task: 'upload', item: 'b', done: 150, total: 300 },
      ],
    });
    now = 2000;
    expect(m.update('upload', { item: 'a', done: 100, total: 100 })).toEqual({
      task: 'upload',
      item: 'a',
      done: 100,
      total: 100,
      ms: 2000,
    });
    // A repeated final report does not count the file twice.
    expect(m.update('upload', { item: 'a', done: 100, total: 100 })).toBeUndefined();
    expect(m.snapshot()).toMatchObject({ files: { done: 1, total: 2 }, current: [{ item: 'b' }] });
    expect(m.allDone()).toBe(false);
    m.update('upload', { item: 'b', done: 300, total: 300 });
    expect(m.allDone()).toBe(true);
    expect(m.snapshot()).toMatchObject({ files: { done: 2, total: 2 }, bytes: { done: 400, total: 400 } });
  });

  it('redraws one overall line on a terminal at most every 100 ms, at once when a file finishes', () => {
    let out = '';
    let now = 0;
    const d = new ProgressDisplay({ write: (s: string) => (out += s) }, true, { now: () => now });
    d.update('download', { item: 'a', done: 10, total: 100 });
    d.update('download', { item: 'b', done: 0, total: 100 });
    now = 50;
    d.update('download', { item: 'b', done: 20, total: 100 });
    now = 150;
    d.update('download', { item: 'a', done: 60, total: 100 });
    d.line('info  a log line');
    now = 160;
    d.update('download', { item: 'a', done: 100, total: 100 });
    d.endLine();
    const frames = out.split('\r\x1b[2K').filter(Boolean);
    expect(frames.map((f) => f.replace(/ [\d.]+ \S*B\/s( ETA \S+)?/, '').trimEnd())).toEqual([
      '[##------------------]  10% 0/1 files 10 B/100 B · download: a',
      '[########------------]  40% 0/2 files 80 B/200 B · download: a (+1 more)',
      'info  a log line',
      '[############--------]  60% 1/2 files 120 B/200 B · download: b',
    ]);
    expect(out.endsWith('\n')).toBe(true);
  });

  it('prints one plain line per finished item when not on a terminal, items interleaved', () => {
    let out = '';
    let now = 0;
    const d = new ProgressDisplay({ write: (s: string) => (out += s) }, false, { now: () => now });
    d.update('upload', { item: 'a.txt', done: 0, total: 2048 });
    d.update('upload', { item: 'b.txt', done: 0, total: 1024 });
    now = 2_000;
    d.update('upload', { item: 'a.txt', done: 1024, total: 2048 });
    d.update('upload', { item: 'b.txt', done: 1024, total: 1024 });
    now = 4_000;
    d.update('upload', { item: 'a.txt', done: 2048, total: 2048 });
    expect(out).toBe('upload: b.txt 1.0 KiB done in 2s (512 B/s)\nupload: a.txt 2.0 KiB done in 4s (512 B/s)\n');
  });
});
