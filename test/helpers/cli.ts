// The `dropcron` command as it ships (bench/shipped-command.ts, shared with the bench):
// tests that spawn the CLI spawn this, never the TypeScript sources, and
// test/build-first.ts rebuilds dist/ before every vitest run, so what they run is never
// older than the sources.
import { spawnSync } from 'node:child_process';
import { CLI } from '../../bench/shipped-command.ts';

export { CLI };

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
