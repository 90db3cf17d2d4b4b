// The fault suite's table: each case records one row (fault -> outcome -> files checked)
// as a JSON line; the suite's global teardown prints them all as one table. Files, not
// memory, because vitest runs test files in separate worker processes.
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

export const FAULT_ROWS_DIR = join(import.meta.dirname, '..', '.artifacts', 'faults');

export interface FaultRow {
  /** What was done to the run, e.g. "429 storm, 5 calls/s with Retry-After". */
  fault: string;
  /** What the run said, e.g. "succeeded, 412 x 429 absorbed" or "failed: DBX_INSUFFICIENT_SPACE". */
  outcome: string;
  /** How the files were checked, e.g. "151/151 hash-equal both ends, no (1) copies, no part files". */
  checked: string;
  /** Whether the case met its expectation (the test's own assertions decide; this mirrors them). */
  ok: boolean;
}

export function recordFault(row: FaultRow): void {
  mkdirSync(FAULT_ROWS_DIR, { recursive: true });
  appendFileSync(join(FAULT_ROWS_DIR, `${process.pid}.jsonl`), JSON.stringify(row) + '\n');
}
