// The daemon figures of issue 13, measured on the command as it ships (the compiled
// dist/ under bare node): `dropcron --help`, the start-up cost of `dropcron run`
// (its wall time minus the job's own duration as it prints it), daemon start to
// "dropcron started" with N jobs, its idle RSS, and the p99 lateness of N jobs firing on
// the same schedule slot. Wall times grow with the load of the shared machine; CPU
// times hardly do, so both are shown.
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { DropcronHome } from './dropcron-home.ts';
import { measure } from './measure.ts';
import { fmt, median, table } from './report.ts';

export interface DaemonOptions {
  jobs: number;
  /**
   * Every job's schedule: every minute in the full run, every 10 s in --quick. A
   * function of the daemon's start time, so the full run's minute can fire a few
   * seconds after the start instead of at the next whole minute.
   */
  schedule: (startsAt: Date) => string;
  scheduleLabel: string;
  rounds: number;
  timeFile: string;
  log: (s: string) => void;
}

export interface DaemonFigures {
  markdown: string;
  helpSeconds: number;
  /** `dropcron run` of a one-call job: wall time minus the job's own duration. */
  runSeconds: number;
  runWallSeconds: number;
  runCpuSeconds: number;
  startSeconds: number;
  startCpuSeconds: number;
  idleRssMB: number;
  p99LatenessSeconds: number;
}

/** The targets of issue 13 (seconds, MB). */
export const TARGETS = { help: 0.25, run: 0.4, start: 1, idleRss: 100, p99: 1 };

const rssMB = async (pid: number) => {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN) / 1024;
};

/** CPU seconds (user + system) of a running process, from /proc (USER_HZ is 100). */
async function cpuSeconds(pid: number): Promise<number> {
  // stat(5) after the command name: utime is field [11], stime [12].
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

/** "job noop succeeded in 83ms" / "in 1.2s": the job's own duration in seconds. */
function jobSeconds(out: string): number {
  const m = /succeeded in ([\d.]+)(ms|s)\b/.exec(out);
  if (!m) throw new Error(`dropcron run printed no duration:\n${out}`);
  return Number(m[1]) / (m[2] === 'ms' ? 1000 : 1);
}

export async function runDaemonBench(home: DropcronHome, o: DaemonOptions): Promise<DaemonFigures> {
  const stateDir = join(home.configFile, '..', 'state');
  const help: number[] = [];
  const run: number[] = [];
  const runWall: number[] = [];
  const runCpu: number[] = [];
  // `run` of a job whose one task creates a folder that exists: one API call after the
  // token refresh every new process makes, so what is not the job's is start-up and
  // shut-down.
  await home.writeJob('noop', [{ 'create-folder': { path: '/bench-noop' } }]);
  const outFile = join(stateDir, '..', 'run-output.txt');
  for (let i = 0; i < o.rounds; i++) {
    help.push((await measure(home.command(['--help']), o.timeFile)).seconds);
    const r = await measure({ ...home.command(['run', 'noop']), stdoutFile: outFile }, o.timeFile);
    run.push(r.seconds - jobSeconds(await readFile(outFile, 'utf8')));
    runWall.push(r.seconds);
    runCpu.push(r.cpuSeconds);
  }
  await rm(outFile, { force: true });

  const names = Array.from({ length: o.jobs }, (_, i) => `fire-${i}`);
  const schedule = o.schedule(new Date());
  await home.writeJobs(
    names.map((name) => ({ name, schedule, tasks: [{ 'create-folder': { path: '/bench-fire' } }] })),
  );
  // Every job may run at once, so lateness is the scheduler's, not the concurrency limit's.
  await home.configure({ logLevel: 'info', maxConcurrentJobs: o.jobs });
  const cmd = home.command(['start']);
  const started = performance.now();
  const daemon = spawn(cmd.argv[0]!, cmd.argv.slice(1), {
    env: { ...process.env, ...cmd.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let startSeconds = NaN;
  let startCpuSeconds = NaN;
  const ready = new Promise<void>((resolve, reject) => {
    let buf = '';
    daemon.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      if (Number.isNaN(startSeconds) && buf.includes('dropcron started')) {
        startSeconds = (performance.now() - started) / 1000;
        cpuSeconds(daemon.pid!).then((c) => (startCpuSeconds = c), reject);
        resolve();
      }
      buf = buf.slice(-200);
    });
    daemon.on('exit', (code) => reject(new Error(`the daemon exited (${code}) before "started"`)));
  });
  const exited = new Promise<void>((resolve) => daemon.on('exit', () => resolve()));
  let idleRssMB: number;
  let lateness: number[] = [];
  try {
    await ready;
    // Idle: a second after start, before the first slot (the timers are all armed).
    await new Promise((r) => setTimeout(r, 1000));
    idleRssMB = await rssMB(daemon.pid!);
    o.log(`  daemon: started in ${fmt(startSeconds, 2)} s, idle ${fmt(idleRssMB, 0)} MB; waiting for a slot`);
    const since = Date.now();
    const deadline = since + 150_000;
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 2000));
      lateness = await latenessOf(stateDir, names, since);
      if (lateness.length === names.length) break;
    }
  } finally {
    daemon.kill('SIGTERM');
    await exited;
    await home.configure({});
  }
  const sorted = [...lateness].sort((a, b) => a - b);
  const p99 = sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)]! : NaN;
  const fig = {
    helpSeconds: median(help),
    runSeconds: median(run),
    runWallSeconds: median(runWall),
    runCpuSeconds: median(runCpu),
    startSeconds,
    startCpuSeconds,
    idleRssMB,
    p99LatenessSeconds: p99,
  };
  const met = (v: number, target: number) => (Number.isNaN(v) ? 'not measured' : v <= target ? 'met' : 'missed');
  const rows = [
    ['`dropcron --help`', `${fmt(fig.helpSeconds, 2)} s`, `< ${TARGETS.help} s`, met(fig.helpSeconds, TARGETS.help)],
    [
      '`dropcron run` start-up (a one-call job: wall time minus the job)',
      `${fmt(fig.runSeconds, 2)} s (wall ${fmt(fig.runWallSeconds, 2)} s, CPU ${fmt(fig.runCpuSeconds, 2)} s)`,
      `< ${TARGETS.run} s`,
      met(fig.runSeconds, TARGETS.run),
    ],
    [
      `daemon start to "started", ${o.jobs} jobs`,
      `${fmt(startSeconds, 2)} s (CPU ${fmt(startCpuSeconds, 2)} s)`,
      `< ${TARGETS.start} s`,
      met(startSeconds, TARGETS.start),
    ],
    [`idle RSS, ${o.jobs} jobs`, `${fmt(idleRssMB, 0)} MB`, `< ${TARGETS.idleRss} MB`, met(idleRssMB, TARGETS.idleRss)],
    [
      `p99 fire lateness, ${o.jobs} jobs ${o.scheduleLabel} (${lateness.length} runs seen)`,
      `${fmt(p99, 2)} s`,
      `< ${TARGETS.p99} s`,
      met(p99, TARGETS.p99),
    ],
  ];
  const markdown = table(
    `Daemon figures (the compiled command under bare node; median of ${o.rounds} for the two commands)`,
    ['figure', 'dropcron', 'target', 'target met'],
    rows,
  );
  return { markdown, ...fig };
}

/** startedAt - scheduledAt of each job's first scheduled run after `since`. */
async function latenessOf(stateDir: string, names: string[], since: number): Promise<number[]> {
  const out: number[] = [];
  for (const name of names) {
    let runs: Array<{ trigger: string; scheduledAt?: string; startedAt: string }> = [];
    try {
      runs = (JSON.parse(await readFile(join(stateDir, 'history', `${name}.json`), 'utf8')) as { runs: typeof runs })
        .runs;
    } catch {
      continue;
    }
    const r = runs.find((x) => x.trigger === 'schedule' && x.scheduledAt && Date.parse(x.scheduledAt) >= since - 1000);
    if (r) out.push((Date.parse(r.startedAt) - Date.parse(r.scheduledAt!)) / 1000);
  }
  return out;
}
