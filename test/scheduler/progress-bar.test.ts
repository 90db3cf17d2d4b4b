// The `dropcron run` progress display: numbers on the bar, and what a log file sees.
import { describe, it, expect } from 'vitest';
import { barLine, ProgressDisplay } from '../../src/scheduler/progress-bar.ts';
import { formatBytes } from '../../src/format-bytes.ts';

describe('progress display', () => {
  it('shows bytes, percentage, rate and ETA', () => {
    const MiB = 1024 * 1024;
    expect(barLine('upload', { item: 'db.sql.gz', done: 25 * MiB, total: 100 * MiB }, 5_000)).toBe(
      'upload: db.sql.gz [#####---------------]  25% 25 MiB/100 MiB 5.0 MiB/s ETA 15s',
    );
    expect(barLine('upload', { item: 'x', done: 0, total: 0 }, 0)).toBe(
      'upload: x [--------------------]   0% 0 B/0 B',
    );
    expect([0, 1023, 1024, 1536, 10 * 1024 ** 3].map(formatBytes)).toEqual([
      '0 B',
      '1023 B',
      '1.0 KiB',
      '1.5 KiB',
      '10 GiB',
    ]);
  });

  it('redraws one line on a terminal at most every 100 ms, and ends it when the item is done', () => {
    let out = '';
    let now = 0;
    const d = new ProgressDisplay({ write: (s: string) => (out += s) }, true, { now: () => now });
    d.update('download', { item: 'a', done: 10, total: 100 });
    now = 50;
    d.update('download', { item: 'a', done: 20, total: 100 });
    now = 150;
    d.update('download', { item: 'a', done: 60, total: 100 });
    d.line('info  a log line');
    now = 200;
    d.update('download', { item: 'a', done: 100, total: 100 });
    const frames = out.split('\r\x1b[2K').filter(Boolean);
    expect(frames.map((f) => f.replace(/ [\d.]+ \S*B\/s.*$/s, '').trimEnd())).toEqual([
      'download: a [##------------------]  10% 10 B/100 B',
      'download: a [############--------]  60% 60 B/100 B',
      'info  a log line',
      'download: a [####################] 100% 100 B/100 B',
    ]);
    expect(out.endsWith('\n')).toBe(true);
  });

  it('prints one plain line per finished item when not on a terminal', () => {
    let out = '';
    let now = 0;
    const d = new ProgressDisplay({ write: (s: string) => (out += s) }, false, { now: () => now });
    d.update('upload', { item: 'a.txt', done: 0, total: 2048 });
    now = 2_000;
    d.update('upload', { item: 'a.txt', done: 1024, total: 2048 });
    now = 4_000;
    d.update('upload', { item: 'a.txt', done: 2048, total: 2048 });
    expect(out).toBe('upload: a.txt 2.0 KiB done in 4s (512 B/s)\n');
  });
});
