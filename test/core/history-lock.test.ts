import { describe, it, expect } from 'vitest';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileRunHistory, type RunRecord } from '../../src/store/history.ts';

const record = (job: string, id: string): RunRecord => ({
  id,
  job,
  trigger: 'manual',
  attempt: 1,
  dryRun: false,
  startedAt: '2026-01-01T00:00:00Z',
  endedAt: '2026-01-01T00:00:01Z',
  durationMs: 1000,
  outcome: 'success',
  bytes: 0,
  tasks: [],
});

describe('run history shared by two processes', () => {
  it('loses no record when the daemon and a manual run append at the same time', async () => {
    const state = await mkdtemp(join(tmpdir(), 'dropcron-history-'));
    // Two instances stand for two processes: each serialises only its own writes.
    const daemon = new FileRunHistory(state, 500);
    const manual = new FileRunHistory(state, 500);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => [
        daemon.append(record('nightly', `d${i}`)),
        manual.append(record('nightly', `m${i}`)),
      ]).flat(),
    );
    const ids = (await daemon.list('nightly')).map((r) => r.id);
    expect(ids).toHaveLength(80);
    expect(new Set(ids).size).toBe(80);
    expect(await readdir(join(state, 'history'))).toEqual(['nightly.json']); // no lock left behind
  });
});
