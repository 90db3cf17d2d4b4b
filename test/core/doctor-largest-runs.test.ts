// What the doctor's disk-space check is sized by: the most bytes each task of a job moved
// in one past run, matched by position and type, and nothing read from PostgreSQL.
import { describe, expect, it } from 'vitest';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { largestRuns } from '../../src/commands/doctor-checks.ts';
import type { JobDefinition } from '../../src/config/types.ts';
import { FileStore } from '../../src/store/file-store.ts';
import type { Store } from '../../src/store/store.ts';
import { runRecord } from '../helpers/run-record.ts';

const job = (name: string, types: string[]): JobDefinition => ({
  ...{ name, file: `${name}.yaml`, enabled: true, schedule: '0 * * * *', timezone: 'UTC', connection: 'c' },
  ...{ overlap: 'skip', catchUp: false, retries: { count: 0, backoffMs: 0 } },
  tasks: types.map((type) => ({ type, options: {} })),
});

const tasks = (...t: [string, number][]) =>
  t.map(([type, bytes]) => ({ type, bytes, counts: {}, actions: 1, warnings: [] }));

describe('largestRuns', () => {
  it('takes each task’s largest run, and none for a task whose type changed', async () => {
    const store = new FileStore({ state: await mkdtemp(join(tmpdir(), 'dropcron-doctor-')), historyLimit: 10 });
    await store.history.append(runRecord('j', 'a', { tasks: tasks(['list', 3], ['download', 100]) }));
    await store.history.append(runRecord('j', 'b', { tasks: tasks(['list', 1], ['download', 500], ['upload', 7]) }));
    expect(await largestRuns(store, job('j', ['list', 'download', 'sync']))).toEqual([3, 500, undefined]);
    expect(await largestRuns(store, job('never', ['download']))).toEqual([]);
  });

  it('reads no history from a PostgreSQL store', async () => {
    const untouched = new Proxy({}, { get: () => expect.unreachable('the history was read') });
    const store = { kind: 'postgres', history: untouched } as unknown as Store;
    expect(await largestRuns(store, job('j', ['download']))).toBeUndefined();
  });
});
