// The `dropcron` command as it ships, for the tests and the bench alike: the compiled
// entry that package.json's `bin` names, and the build that makes it. Whatever spawns
// the CLI spawns this, never the TypeScript sources, after buildShippedCommand(): so what
// runs is never older than the sources. (test/helpers/cli.ts and test/build-first.ts
// hand these to the tests; bench/run.ts and bench/dropcron-home.ts use them directly.)
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };

/** Absolute path of the compiled `dropcron` entry; run it with process.execPath. */
export const CLI = join(root, pkg.bin.dropcron!);

/**
 * `npm run build`. tsc -b checks timestamps first, so an up-to-date build costs well
 * under a second. Throws with the compiler's output when the build fails, so nothing
 * runs against stale output.
 */
export function buildShippedCommand(): void {
  try {
    execFileSync('npm', ['run', '--silent', 'build'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      encoding: 'utf8',
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    throw new Error(`npm run build failed, so nothing runs against stale output:\n${e.stdout ?? ''}${e.stderr ?? ''}`, {
      cause: err,
    });
  }
}
