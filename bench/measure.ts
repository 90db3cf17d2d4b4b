// One whole command, timed as a user would see it (wall time from spawn to exit) with
// its CPU time (user + system, %U %S) and peak RSS from GNU time's %M: the largest resident set of the process and every
// descendant it waited for, so a wrapper script or a child process counts too. A run
// past its time limit is stopped (its whole process group) and reported as capped: a
// lower bound on its time, with no peak RSS.
import { spawn } from 'node:child_process';
import { open, readFile, rm } from 'node:fs/promises';

export interface Measured {
  seconds: number;
  peakRssMB: number;
  /** User + system CPU seconds of the process tree (NaN when stopped). */
  cpuSeconds: number;
  /** Stopped at the limit: `seconds` is the limit, a lower bound; peakRssMB is NaN. */
  capped?: boolean;
}

export interface Command {
  argv: string[];
  env?: NodeJS.ProcessEnv;
  /** Where stdout goes (e.g. `rclone lsf` writing its CSV); default: discarded. */
  stdoutFile?: string;
  cwd?: string;
}

export async function measure(cmd: Command, timeFile: string, limitSeconds = Infinity): Promise<Measured> {
  const out = cmd.stdoutFile ? await open(cmd.stdoutFile, 'w') : undefined;
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const child = spawn('/usr/bin/time', ['-f', '%M %U %S', '-o', timeFile, ...cmd.argv], {
      env: { ...process.env, ...cmd.env },
      cwd: cmd.cwd,
      stdio: ['ignore', out ? out.fd : 'ignore', 'pipe'],
      // Its own process group, so a stop reaches the command under `time` too.
      detached: true,
    });
    let capped = false;
    if (Number.isFinite(limitSeconds))
      timer = setTimeout(() => {
        capped = true;
        process.kill(-child.pid!, 'SIGKILL');
      }, limitSeconds * 1000);
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err = (err + d.toString()).slice(-4000);
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', resolve);
    });
    const seconds = (performance.now() - started) / 1000;
    if (capped) return { seconds: limitSeconds, peakRssMB: NaN, cpuSeconds: NaN, capped };
    // argv[0..1] only: later arguments may hold a token.
    if (code !== 0) throw new Error(`${cmd.argv.slice(0, 2).join(' ')} exited ${code}: ${err.trim().slice(-1500)}`);
    const [kb, user, system] = (await readFile(timeFile, 'utf8')).trim().split('\n').pop()!.split(' ').map(Number);
    return { seconds, peakRssMB: kb! / 1024, cpuSeconds: user! + system! };
  } finally {
    clearTimeout(timer);
    await out?.close();
    await rm(timeFile, { force: true });
  }
}
