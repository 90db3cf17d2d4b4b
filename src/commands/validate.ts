import type { CliCommand } from '../plugin.ts';
import { parseArgs } from '../args.ts';
import { resolveConfigFile } from '../config/config-file.ts';
import { formatProblem } from '../config/problems.ts';

export const validateCommand: CliCommand = {
  name: 'validate',
  summary: 'check config.yaml, every connection and every job; print all problems',
  usage: `Usage: dropcron validate [--config FILE]

Loads the config file, every file in its connections and jobs directories, and
prints every problem as file:line:col path message. Exits 0 and prints
"ok: N connections, M jobs" when all is well, 1 otherwise.`,
  async run(argv, cli) {
    parseArgs(argv, []);
    // Imported here, not at the top: `dropcron --help` imports every command module.
    const { loadConfig } = await import('../config/load.ts');
    const loaded = await loadConfig(resolveConfigFile(cli.configFile));
    if (loaded.problems.length) {
      for (const p of loaded.problems) cli.stderr.write(formatProblem(p) + '\n');
      cli.stderr.write(`${loaded.problems.length} problem${loaded.problems.length === 1 ? '' : 's'} found\n`);
      return 1;
    }
    cli.stdout.write(`ok: ${loaded.connections.length} connections, ${loaded.jobs.length} jobs\n`);
    return 0;
  },
};
