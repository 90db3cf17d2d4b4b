// The `dropcron` command as it ships: the compiled entry that package.json's `bin` names.
// Tests that spawn the CLI spawn this, never the TypeScript sources, and test/build-first.ts
// rebuilds dist/ before every vitest run, so what they run is never older than the sources.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };

/** Absolute path of the compiled `dropcron` entry; run it with process.execPath. */
export const CLI = join(root, pkg.bin.dropcron!);

/** Runs the compiled `dropcron` to completion in `cwd`, with `env` added to this process's. */
export function dropcron(args: string[], cwd: string, env: Record<string, string | undefined> = {}) {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}
