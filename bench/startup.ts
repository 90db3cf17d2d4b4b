// Start-up figures of the shipped command (issue 13), measured as a user runs it: the
// compiled dist/ under bare node, built first by `npm run build`.
//
//   npx tsx bench/startup.ts [--runs N] [--jobs N] [--fire]
//
// - `dropcron --help`, wall time, median of N runs;
// - `dropcron run` of a one-task job against the bundled sandbox: wall time minus the
//   job's own duration (what the command prints), median of N runs;
// - `dropcron start` with --jobs jobs (default 1000, each every minute): spawn to the
//   "dropcron started" log line, and the RSS a few seconds later, between fires;
// - with --fire, the daemon also runs through two minute boundaries and reports the
//   lateness of every scheduled run (startedAt - scheduledAt from the run history):
//   p50, p99, max. maxConcurrentJobs is raised to the job count so the figure is the
//   scheduler's and not the queue's.
// The load average is printed with the figures: the machine is shared, so compare medians.
import { spawn, spawnSync, execFileSync } from 'node:child_process';
import { mkdtemp, mkdir, readFile, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { FileRunHistory } from '../src/store/history.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> };
const CLI = join(root, pkg.bin.dropcron!);

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '7' },
    jobs: { type: 'string', default: '1000' },
    fire: { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const JOBS = Number(values.jobs);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.ceil(q * xs.length) - 1]!;
const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

/** A config tree on the bundled sandbox (port 0: no clash with anything running). */
async function tree(jobs: number, schedule: string, extra = ''): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'dropcron-startup-'));
  await mkdir(join(dir, 'connections'));
  await mkdir(join(dir, 'jobs'));
  await writeFile(
    join(dir, 'config.yaml'),
    `state: ./state\nconnections: ./connections\njobs: ./jobs\nsandbox: true\nlogLevel: info\n` +
      `admin: { host: 127.0.0.1, port: 0, password: bench-password-0123 }\n` +
      `dropbox: { appKey: dropcron-sandbox, sandboxPort: 0 }\n${extra}`,
  );
  await writeFile(
    join(dir, 'connections/sandbox.yaml'),
    'name: sandbox\ntype: dropbox\naccount: personal\napp: builtin\nsandbox: true\n',
  );
  for (let i = 0; i < jobs; i++) {
    await writeFile(
      join(dir, `jobs/job-${i}.yaml`),
      `name: job-${i}\nschedule: "${schedule}"\nconnection: sandbox\ntasks:\n  - create-folder: { path: /bench/${i} }\n`,
    );
  }
  return dir;
}

/** CPU ms (user + system) from /proc: of process `pid`, or of this one's waited-for children. */
async function cpuMs(pid: number | 'self'): Promise<number> {
  // stat(5) after the command name: state is [0], utime [11], stime [12], cutime [13], cstime [14].
  const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1]!.split(' ');
  const ticks = pid === 'self' ? Number(f[13]) + Number(f[14]) : Number(f[11]) + Number(f[12]);
  return ticks * 10; // USER_HZ is 100 on Linux
}

/**
 * Wall and CPU time of one command. On a machine shared with other work the wall time
 * grows with the load; the CPU time hardly does, so both are reported.
 */
async function timed(args: string[], cwd: string) {
  const c0 = await cpuMs('self');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8' });
  const ms = performance.now() - t0;
  return { ms, cpu: (await cpuMs('self')) - c0, out: r.stdout, err: r.stderr, code: r.status };
}

/** "1.2 s", "340 ms", "2m 5s" as the CLI prints durations. */
function durationMs(text: string): number {
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/([\d.]+)\s*(ms|s|m|h)\b/g)) {
    ms += Number(n) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[unit as 'ms' | 's' | 'm' | 'h'];
  }
  return ms;
}

async function helpFigure(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'dropcron-help-'));
  for (const [cwd, what] of [
    [root, 'example config'],
    [dir, 'no config'],
  ] as const) {
    const ms: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await timed(['--help'], cwd);
      ms.push(r.ms);
      cpu.push(r.cpu);
    }
    console.log(`dropcron --help (${what}): ${s(median(ms))}, CPU ${s(median(cpu))}  [target < 0.25 s]`);
  }
}

async function runFigure(): Promise<void> {
  const dir = await tree(1, '0 0 1 1 *');
  const overheads: number[] = [];
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = await timed(['run', 'job-0'], dir);
    const m = /succeeded in (.+)$/m.exec(r.out);
    if (r.code !== 0 || !m) throw new Error(`dropcron run failed (${r.code}):\n${r.out}${r.err}`);
    walls.push(r.ms);
    cpus.push(r.cpu);
    overheads.push(r.ms - durationMs(m[1]!));
  }
  console.log(
    `dropcron run overhead: ${s(median(overheads))} (wall ${s(median(walls))}, CPU ${s(median(cpus))})  [target < 0.4 s]`,
  );
}

async function daemonFigures(): Promise<void> {
  const dir = await tree(JOBS, '* * * * *', `maxConcurrentJobs: ${JOBS}\n`);
  const t0 = performance.now();
  const child = spawn(process.execPath, [CLI, 'start'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  while (!out.includes('"msg":"dropcron started"')) {
    if (child.exitCode !== null) throw new Error(`dropcron start exited:\n${out}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  const startMs = performance.now() - t0;
  const startCpu = await cpuMs(child.pid!);
  // A few seconds after the start, before the next minute's fires if possible.
  await new Promise((r) => setTimeout(r, 3000));
  const status = await readFile(`/proc/${child.pid}/status`, 'utf8');
  const rss = Number(/VmRSS:\s+(\d+)/.exec(status)![1]) / 1024;
  console.log(`daemon start (${JOBS} jobs): ${s(startMs)} to "started", CPU ${s(startCpu)}  [target < 1 s]`);
  console.log(`daemon idle RSS:         ${rss.toFixed(0)} MB  [target < 100 MB]`);
  if (values.fire) {
    const firstSlot = Math.ceil(Date.now() / 60_000) * 60_000;
    // Two slots, and time for the second slot's runs to finish.
    await new Promise((r) => setTimeout(r, firstSlot + 60_000 + 20_000 - Date.now()));
    const peak = Number(/VmHWM:\s+(\d+)/.exec(await readFile(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024;
    child.kill('SIGTERM');
    await exited;
    const history = new FileRunHistory(join(dir, 'state'), 200);
    const late: number[] = [];
    let failed = 0;
    for (let i = 0; i < JOBS; i++) {
      for (const r of await history.list(`job-${i}`, 10)) {
        if (r.trigger !== 'schedule' || !r.scheduledAt) continue;
        late.push(Date.parse(r.startedAt) - Date.parse(r.scheduledAt));
        if (r.outcome !== 'success') failed++;
      }
    }
    console.log(
      `fire lateness (${late.length} runs, ${failed} not successful): p50 ${s(quantile(late, 0.5))}, ` +
        `p99 ${s(quantile(late, 0.99))}, max ${s(Math.max(...late))}  [target p99 < 1 s]; peak RSS ${peak.toFixed(0)} MB`,
    );
  } else {
    child.kill('SIGTERM');
    await exited;
  }
}

execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
console.log(`node ${process.version}, ${RUNS} runs each; load average before: ${load()}`);
await helpFigure();
await runFigure();
await daemonFigures();
console.log(`load average after: ${load()}`);
