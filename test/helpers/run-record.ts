// A finished run's history record for store tests: a one-second success unless `extra` says otherwise.
import { randomUUID } from 'node:crypto';
import type { RunRecord } from '../../src/store/history.ts';

export const runRecord = (job: string, id: string = randomUUID(), extra: Partial<RunRecord> = {}): RunRecord => ({
  id,
  job,
  trigger: 'schedule',
  attempt: 1,
  dryRun: false,
  startedAt: '2026-01-01T00:00:00.000Z',
  endedAt: '2026-01-01T00:00:01.000Z',
  durationMs: 1000,
  outcome: 'success',
  bytes: 0,
  tasks: [],
  ...extra,
});
