// Vitest global setup: `npm run build` before any test file runs, so the tests that spawn
// the CLI (test/helpers/cli.ts) run what ships, built from the sources as they are now.
// tsc -b checks timestamps first, so an up-to-date build costs well under a second.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export function setup(): void {
  try {
    execFileSync('npm', ['run', '--silent', 'build'], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed, so no test runs against stale output:\n${e.stdout ?? ''}${e.stderr ?? ''}`, {
      cause: err,
    });
  }
}
