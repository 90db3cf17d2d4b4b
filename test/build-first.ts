// Vitest global setup: `npm run build` before any test file runs, so the tests that spawn
// the CLI (test/helpers/cli.ts) run what ships, built from the sources as they are now.
import { buildShippedCommand } from '../bench/shipped-command.ts';

export function setup(): void {
  buildShippedCommand();
}
