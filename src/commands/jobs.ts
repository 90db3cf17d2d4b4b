import type { CliCommand } from '../plugin.ts';
import { parseArgs, UsageError } from '../args.ts';
import { resolveConfigFile } from '../config/config-file.ts';
import { formatProblem } from '../config/problems.ts';
import { table } from './table.ts';
import type { RunRecord } from '../store/history.ts';
import { createStore } from '../store/open.ts';
import { ConfigError } from '../config/problems.ts';
import { formatDuration } from '../config/duration.ts';
import { formatBytes } from '../format-bytes.ts';
import type { CliContext } from '../plugin.ts';

export const jobsCommand: CliCommand = {
  name: 'jobs',
  summary: "list jobs with their next run time; show a job's run history",
  usage: `Usage: dropcron jobs list [--config FILE]
       dropcron jobs history <job> [--limit N] [--config FILE]

list     Lists every valid job: name, schedule, time zone, next run (in the job's
         zone), connection and tasks. Problems in job files are printed to stderr.
history  Shows the job's recorded runs, newest first (default: the last 20): start
         time, trigger, outcome, duration, bytes, and counts or the error.`,
  async run(argv, cli) {
    const { positionals, flags } = parseArgs(argv, [{ name: 'limit', value: true }]);
    const sub = positionals[0] ?? 'list';
    if (sub === 'history') return history(positionals.slice(1), flags.limit, cli);
    if (sub !== 'list') throw new UsageError(`unknown jobs subcommand '${sub}'`);
    if (flags.limit !== undefined) throw new UsageError('--limit belongs to jobs history');
    // Imported here, not at the top: `dropcron --help` imports every command module.
    const [{ loadConfig }, { nextRuns, formatInZone }] = await Promise.all([
      import('../config/load.ts'),
      import('../scheduler/next-run.ts'),
    ]);
    const loaded = await loadConfig(resolveConfigFile(cli.configFile));
    for (const p of loaded.problems) cli.stderr.write(formatProblem(p) + '\n');
    const rows = loaded.jobs.map((j) => [
      j.name,
      [j.schedule, j.trigger && `on ${j.trigger.type} change`].filter(Boolean).join(', '),
      j.timezone,
      !j.enabled
        ? 'disabled'
        : j.schedule !== undefined
          ? formatInZone(nextRuns(j.schedule, j.timezone)[0]!, j.timezone)
          : 'on change',
      j.connection,
      j.tasks.map((t) => t.type).join(', '),
    ]);
    cli.stdout.write(
      rows.length ? table(['NAME', 'SCHEDULE', 'TIMEZONE', 'NEXT RUN', 'CONNECTION', 'TASKS'], rows) : 'no jobs\n',
    );
    return loaded.problems.length ? 1 : 0;
  },
};

async function history(args: string[], limitFlag: string | boolean | undefined, cli: CliContext): Promise<number> {
  const [name, extra] = args;
  if (!name) throw new UsageError('name the job: dropcron jobs history <job>');
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  const limit = limitFlag === undefined ? 20 : Number(limitFlag);
  if (!Number.isInteger(limit) || limit < 1)
    throw new UsageError(`--limit must be a whole number of runs, at least 1 (got '${limitFlag}')`);
  // Imported here, not at the top: `dropcron --help` imports every command module.
  const [{ loadConfig }, { formatInZone }] = await Promise.all([
    import('../config/load.ts'),
    import('../scheduler/next-run.ts'),
  ]);
  const loaded = await loadConfig(resolveConfigFile(cli.configFile));
  const own = loaded.problems.filter((p) => p.file === loaded.config.file);
  if (own.length) throw new ConfigError(own);
  const store = createStore(loaded.config);
  let runs: RunRecord[];
  try {
    runs = await store.history.list(name, limit);
  } catch (err) {
    throw new UsageError((err as Error).message);
  } finally {
    await store.close();
  }
  const job = loaded.jobs.find((j) => j.name === name);
  if (!runs.length) {
    if (!job) {
      cli.stderr.write(`dropcron: no job named '${name}' and no runs recorded for it in ${loaded.config.state}\n`);
      return 1;
    }
    cli.stdout.write(`no runs recorded for job '${name}' yet\n`);
    return 0;
  }
  const tz = job?.timezone ?? loaded.config.timezone;
  const rows = runs.map((r) => [
    formatInZone(new Date(r.startedAt), tz),
    r.trigger + (r.attempt > 1 ? ` #${r.attempt}` : '') + (r.dryRun ? ' (dry run)' : ''),
    r.outcome,
    formatDuration(r.durationMs),
    formatBytes(r.bytes),
    r.error ??
      (r.tasks
        .map((t) =>
          `${t.type} ${Object.entries(t.counts)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`.trim(),
        )
        .join('; ') ||
        '-'),
  ]);
  cli.stdout.write(table(['STARTED', 'TRIGGER', 'OUTCOME', 'DURATION', 'BYTES', 'RESULT'], rows));
  return 0;
}
