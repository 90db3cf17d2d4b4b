import type { CliCommand } from '../plugin.ts';
import { parseArgs } from '../args.ts';
import { resolveConfigFile } from '../config/config-file.ts';
import { formatProblem } from '../config/problems.ts';
import { counted } from '../counted.ts';

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
      cli.stderr.write(`${counted(loaded.problems.length, 'problem')} found\n`);
      return 1;
    }
    cli.stdout.write(
      `ok: ${counted(loaded.connections.length, 'connection')}, ${counted(loaded.jobs.length, 'job')}\n`,
    );
    return 0;
  },
};
