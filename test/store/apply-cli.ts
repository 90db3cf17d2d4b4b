// `dropcron apply` as the compiled CLI runs it: exit code, stdout and stderr, never a throw.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { CLI } from '../helpers/cli.ts';

const run = promisify(execFile);

export function applyCli(
  configFile: string,
  folder: string,
  ...flags: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [CLI, '--config', configFile, 'apply', folder, ...flags]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number; stdout: string; stderr: string }) => err,
  );
}
