import type { CliCommand } from '../plugin.ts';
import { parseArgs, UsageError } from '../args.ts';
import { resolveConfigFile } from '../config/config-file.ts';
import { ConfigError } from '../config/problems.ts';
import { resolve } from 'node:path';

export const storeCommand: CliCommand = {
  name: 'store',
  summary: "move a state directory's history, vault, scheduler state and checkpoints into the configured store",
  usage: `Usage: dropcron store import <state-dir> [--config FILE]

import   Copies the run history, the vault (secrets are opened with that directory's
         master key, or DROPCRON_MASTER_KEY, and sealed with this daemon's), the
         scheduler state and the checkpoints (where each upload session stands) of a
         file store into config.yaml's store (e.g. PostgreSQL).
         Stop the daemon that uses <state-dir> first. Safe to repeat.`,
  async run(argv, cli) {
    const { positionals } = parseArgs(argv, []);
    const [sub, dir, extra] = positionals;
    if (sub !== 'import') throw new UsageError(sub ? `unknown store subcommand '${sub}'` : 'name a subcommand');
    if (!dir) throw new UsageError('name the state directory to import: dropcron store import <state-dir>');
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
    // Imported here, not at the top: `dropcron --help` imports every command module.
    const [{ loadConfig }, { importFileStore }, { createStore }] = await Promise.all([
      import('../config/load.ts'),
      import('../store/import.ts'),
      import('../store/open.ts'),
    ]);
    const loaded = await loadConfig(resolveConfigFile(cli.configFile));
    const own = loaded.problems.filter((p) => p.file === loaded.config.file);
    if (own.length) throw new ConfigError(own);
    const from = resolve(dir);
    if (loaded.config.store === 'file' && from === loaded.config.state)
      throw new UsageError(`${from} is this config's own state directory: nothing to import`);
    const store = createStore(loaded.config);
    try {
      await store.start();
      const n = await importFileStore(from, store);
      cli.stdout.write(
        `imported ${n.runs} runs of ${n.jobs} jobs, ${n.connections} vault entries, the fire times of ${n.fireTimes} jobs and ${n.checkpoints} checkpoints from ${from} into the ${store.kind} store\n`,
      );
    } finally {
      await store.close();
    }
    return 0;
  },
};
