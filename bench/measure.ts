// One whole command, timed as a user would see it (wall time from spawn to exit) with
// its peak RSS from GNU time's %M: the largest resident set of the process and every
// descendant it waited for, so a wrapper script or a child process counts too.
import { spawn } from 'node:child_process';
import { open, readFile, rm } from 'node:fs/promises';

export interface Measured {
  seconds: number;
  peakRssMB: number;
}

export interface Command {
  argv: string[];
  env?: NodeJS.ProcessEnv;
  /** Where stdout goes (e.g. `rclone lsf` writing its CSV); default: discarded. */
  stdoutFile?: string;
  cwd?: string;
}

export async function measure(cmd: Command, timeFile: string): Promise<Measured> {
  const out = cmd.stdoutFile ? await open(cmd.stdoutFile, 'w') : undefined;
  const started = performance.now();
  try {
    const child = spawn('/usr/bin/time', ['-f', '%M', '-o', timeFile, ...cmd.argv], {
      env: { ...process.env, ...cmd.env },
      cwd: cmd.cwd,
      stdio: ['ignore', out ? out.fd : 'ignore', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    const seconds = (performance.now() - started) / 1000;
    // argv[0..1] only: later arguments may hold a token.
    if (code !== 0) throw new Error(`${cmd.argv.slice(0, 2).join(' ')} exited ${code}: ${err.trim().slice(-1500)}`);
    const kb = Number((await readFile(timeFile, 'utf8')).trim().split('\n').pop());
    return { seconds, peakRssMB: kb / 1024 };
  } finally {
    await out?.close();
    await rm(timeFile, { force: true });
  }
}
