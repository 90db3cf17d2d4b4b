import type { CliCommand, CliContext } from '../plugin.ts';
import { recordInterrupted } from '../store/run-markers.ts';
import { dirname } from 'node:path';
import { parseArgs, UsageError } from '../args.ts';
import { resolveConfigFile } from '../config/config-file.ts';
import { ConfigError, formatProblem } from '../config/problems.ts';
import type { DaemonPart } from '../sandboxes.ts';
import { ensureDir } from '../store/atomic.ts';
import type { Registry } from '../registry.ts';
import { ProgressDisplay } from '../scheduler/progress-bar.ts';
import { formatBytes } from '../format-bytes.ts';
import { formatDuration } from '../config/duration.ts';
import { counted } from '../counted.ts';

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'run one job now in the foreground (--dry-run: show what it would do)',
  usage: `Usage: dropcron run <job> [--dry-run] [--config FILE]

Runs the job once, now, with the same plugins, sandboxes and connection the daemon
would use, and records the run in the job's history. Shows a progress bar per
transfer on a terminal and plain lines otherwise. With --dry-run, prints every
action the tasks would take (each file to upload, download or delete, and why)
and changes nothing. Ctrl-C aborts the run cleanly. Exits 0 on success, 1 otherwise.`,
  run: (argv, cli) => runJobCommand(argv, cli),
};

/** `registry` and `env` let tests run jobs with their own plugin. */
export async function runJobCommand(
  argv: string[],
  cli: CliContext,
  opts: { registry?: Registry; env?: NodeJS.ProcessEnv } = {},
): Promise<number> {
  const { flags, positionals } = parseArgs(argv, [{ name: 'dry-run' }]);
  const [name, extra] = positionals;
  if (!name) throw new UsageError('name the job to run: dropcron run <job>');
  if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
  const dryRun = flags['dry-run'] === true;
  // Imported here, not at the top: `dropcron --help` imports every command module.
  const [
    { loadConfig },
    { createLogger },
    { createServices },
    { startSandboxes },
    { ConnectionCache },
    { runJob, newRunId },
    { claimRun },
    { systemClock },
  ] = await Promise.all([
    import('../config/load.ts'),
    import('../log.ts'),
    import('../services.ts'),
    import('../sandboxes.ts'),
    import('../scheduler/connections.ts'),
    import('../scheduler/runner.ts'),
    import('../scheduler/claim-run.ts'),
    import('../scheduler/timers.ts'),
  ]);
  const loaded = await loadConfig(resolveConfigFile(cli.configFile), { registry: opts.registry, env: opts.env });
  const own = loaded.problems.filter((p) => p.file === loaded.config.file);
  if (own.length) throw new ConfigError(own);
  const job = loaded.jobs.find((j) => j.name === name);
  if (!job) {
    for (const p of loaded.problems) cli.stderr.write(formatProblem(p) + '\n');
    const known = loaded.jobs.map((j) => j.name);
    cli.stderr.write(`dropcron: no valid job named '${name}' (valid jobs: ${known.join(', ') || 'none'})\n`);
    return 1;
  }

  const tty = (cli.stdout as NodeJS.WriteStream).isTTY === true;
  const display = new ProgressDisplay(cli.stdout, tty);
  // Plain, human log lines: the JSON of the daemon's log is for machines.
  const log = createLogger({
    level: loaded.config.logLevel,
    pretty: false,
    destination: { write: (s: string) => display.line(plainLine(s)) },
  });
  await ensureDir(loaded.config.state);
  const services = createServices(loaded.config, { log, env: opts.env });
  const parts: DaemonPart[] = [];
  const connections = new ConnectionCache(loaded.registry, services);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    await startSandboxes(loaded, services, log, parts);
    connections.setDefinitions(loaded.connections);
    const { store } = services;
    // PostgreSQL: its heartbeat keeps this run's marker and lease while it runs.
    await store.start();
    await recordInterrupted(store, log);
    const req = { id: newRunId(), job, trigger: 'manual' as const, dryRun };
    // No cron slot (a one-off run is nobody's fire), but the job's lease: in a cluster this
    // run does not overlap a daemon's run of the job, and follows the job's overlap policy.
    const claim = await claimRun(store, req, abort.signal, systemClock);
    if (claim.outcome === 'busy') {
      cli.stderr.write(
        `dropcron: job ${job.name} is running on another daemon (run ${claim.runningId}); not running it beside that run (overlap: ${job.overlap})\n`,
      );
      return 1;
    }
    const { record, actions } = await runJob(
      req,
      { registry: loaded.registry, connections, log, baseDir: dirname(loaded.config.file), markers: store.markers },
      {
        signal: abort.signal,
        onProgress: (task, p, part) => display.update(task, p, part),
        onPlanned: (_task, planned, part) => display.planned(part, planned),
      },
    );
    display.endLine();
    if (!(await store.finishRun(record, true))) {
      cli.stderr.write(
        `dropcron: job ${job.name} ${record.outcome}, but this process lost its lease on the job to a daemon of the cluster while cut off from the store: recorded as interrupted\n`,
      );
      return 1;
    }

    const out = (s: string) => cli.stdout.write(s + '\n');
    if (dryRun) {
      for (const a of actions)
        out(
          `would ${a.action} ${a.target}${a.reason ? ` (${a.reason})` : ''}${a.bytes !== undefined ? `, ${formatBytes(a.bytes)}` : ''}`,
        );
      out(`dry run: ${counted(actions.length, 'action')} planned, nothing changed`);
    }
    for (const t of record.tasks) {
      const did = Object.entries(t.counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      const counts = t.error ? `failed${did ? ` after ${did}` : ''}` : did || 'nothing to do';
      out(
        `${t.type}: ${counts}${t.bytes ? `; ${formatBytes(t.bytes)}` : ''}${t.warnings.length ? `; ${t.warnings.length} warning(s)` : ''}`,
      );
      const failed = t.failures ?? [];
      for (const f of failed) out(`  failed: ${f}`);
      if (t.failedItems && t.failedItems > failed.length)
        out(`  ... and ${t.failedItems - failed.length} more (the log lists them all)`);
    }
    if (record.outcome === 'success') {
      out(`job ${job.name} ${dryRun ? 'dry run ' : ''}succeeded in ${formatDuration(record.durationMs)}`);
      return 0;
    }
    cli.stderr.write(`dropcron: job ${job.name} ${record.outcome}: ${record.error}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await connections.close();
    for (const part of parts.reverse()) await part.stop().catch(() => {});
    await services.close();
    await new Promise<void>((r) => log.flush(() => r()));
  }
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** `{"level":30,"time":...,"task":"upload","msg":"x"}` -> `info  upload: x`. */
function plainLine(json: string): string {
  try {
    const o = JSON.parse(json) as { level: number; msg?: string; task?: string };
    return `${(LEVELS[o.level] ?? String(o.level)).padEnd(5)} ${o.task ? `${o.task}: ` : ''}${o.msg ?? ''}`;
  } catch {
    return json.trimEnd();
  }
}
