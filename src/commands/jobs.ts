import type { CliCommand } from '../plugin.ts';
import { parseArgs, UsageError } from '../args.ts';
import { loadConfig, resolveConfigFile } from '../config/load.ts';
import { formatProblem } from '../config/problems.ts';
import { nextRuns, formatInZone } from '../scheduler/next-run.ts';
import { table } from './table.ts';

export const jobsCommand: CliCommand = {
  name: 'jobs',
  summary: 'list jobs with their next run time',
  usage: `Usage: dropcron jobs list [--config FILE]

Lists every valid job: name, schedule, time zone, next run (in the job's zone),
connection and tasks. Problems in job files are printed to stderr.`,
  async run(argv, cli) {
    const { positionals } = parseArgs(argv, []);
    const sub = positionals[0] ?? 'list';
    if (sub !== 'list') throw new UsageError(`unknown jobs subcommand '${sub}'`);
    const loaded = await loadConfig(resolveConfigFile(cli.configFile));
    for (const p of loaded.problems) cli.stderr.write(formatProblem(p) + '\n');
    const rows = loaded.jobs.map((j) => [
      j.name,
      j.schedule,
      j.timezone,
      j.enabled ? formatInZone(nextRuns(j.schedule, j.timezone)[0]!, j.timezone) : 'disabled',
      j.connection,
      j.tasks.map((t) => t.type).join(', '),
    ]);
    cli.stdout.write(rows.length ? table(['NAME', 'SCHEDULE', 'TIMEZONE', 'NEXT RUN', 'CONNECTION', 'TASKS'], rows) : 'no jobs\n');
    return loaded.problems.length ? 1 : 0;
  },
};
