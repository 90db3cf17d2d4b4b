// The `dropcron` command as it ships: the compiled entry that package.json's `bin` names.
// Tests that spawn the CLI spawn this, never the TypeScript sources, and test/build-first.ts
// rebuilds dist/ before every vitest run, so what they run is never older than the sources.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };

/** Absolute path of the compiled `dropcron` entry; run it with process.execPath. */
export const CLI = join(root, pkg.bin.dropcron!);
