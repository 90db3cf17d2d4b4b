// Vitest global setup: clears the fault rows before a run and prints them as a table
// after it, so `npm test` and `npm run test:faults` both end with the fault table.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FAULT_ROWS_DIR, type FaultRow } from './report.ts';

export function setup(): void {
  rmSync(FAULT_ROWS_DIR, { recursive: true, force: true });
}

export function teardown(): void {
  let rows: FaultRow[] = [];
  try {
    for (const f of readdirSync(FAULT_ROWS_DIR)) {
      for (const line of readFileSync(join(FAULT_ROWS_DIR, f), 'utf8').split('\n')) {
        if (line) rows.push(JSON.parse(line) as FaultRow);
      }
    }
  } catch {
    return; // no fault case ran in this run
  }
  rows = rows.sort((a, b) => a.fault.localeCompare(b.fault));
  const head = ['fault', 'outcome', 'files checked', ''];
  const body = rows.map((r) => [r.fault, r.outcome, r.checked, r.ok ? 'ok' : 'FAILED']);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)];
  const failed = rows.filter((r) => !r.ok).length;
  process.stdout.write(`\nFault matrix\n${out.join('\n')}\n${rows.length - failed} passed, ${failed} failed\n`);
}
