import type { CliCommand } from '../plugin.ts';
import { parseArgs } from '../args.ts';
import { resolveConfigFile } from '../config/config-file.ts';

export const startCommand: CliCommand = {
  name: 'start',
  summary: 'run the daemon (scheduler and admin server) until SIGINT/SIGTERM',
  usage: `Usage: dropcron start [--config FILE]

Runs the scheduler and the admin server in the foreground. SIGINT or SIGTERM stops
new runs, lets running transfers finish within shutdownGraceSeconds, then exits 0.
SIGHUP re-reads the connection and job files at once (they are also watched).
Logs are JSON lines on stdout (pretty on a terminal).`,
  async run(argv, cli) {
    parseArgs(argv, []);
    // Imported here, not at the top: `dropcron --help` imports every command module.
    const { startDaemon } = await import('../daemon.ts');
    const daemon = await startDaemon(resolveConfigFile(cli.configFile));
    const reload = () => void daemon.reload();
    process.on('SIGHUP', reload);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGINT', () => resolve('SIGINT'));
      process.once('SIGTERM', () => resolve('SIGTERM'));
    });
    // A second signal while stopping means "now".
    const force = () => process.exit(130);
    process.once('SIGINT', force);
    process.once('SIGTERM', force);
    process.off('SIGHUP', reload);
    await daemon.stop(signal);
    return 0;
  },
};
