// Prints the plain `N passed, N failed` line CI reads, from vitest's JSON report.
// A file that failed to load (no test ran in it) counts as one failure; a missing
// report (type check failed, runner crashed) counts as one failure too.
import { readFileSync } from 'node:fs';

let passed = 0;
let failed;
try {
  const r = JSON.parse(readFileSync(new URL('./.artifacts/results.json', import.meta.url), 'utf8'));
  passed = r.numPassedTests;
  failed = r.numFailedTests;
  for (const f of r.testResults ?? []) {
    if (f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed')) failed++;
  }
} catch {
  failed = 1;
}
console.log(`${passed} passed, ${failed} failed`);
