import type { CliCommand } from '../plugin.ts';
import { parseArgs, UsageError } from '../args.ts';
import { resolveConfigFile } from '../config/config-file.ts';
import { ConfigError, formatProblem } from '../config/problems.ts';
import { resolve } from 'node:path';
import { counted } from '../counted.ts';

export const applyCommand: CliCommand = {
  name: 'apply',
  summary: "validate a folder of connection and job files and publish them to the store (every daemon's definitions)",
  usage: `Usage: dropcron apply <folder> [--prune] [--dry-run] [--config FILE]

<folder> holds connections/*.yaml and jobs/*.yaml, laid out like a daemon's own
folders. The files are checked with the same loader as the daemon, together with the
store's definitions they join; any problem is printed as file:line:col path message
and nothing is applied. Otherwise every file is published in one transaction: with
store: { postgres } every daemon of the cluster runs them within seconds; with the
file store they are written into this config's connections and jobs folders.
\${VAR} references must be set here too, as for \`dropcron validate\`; a shared store
takes no secret written in clear text (use \${VAR} or the admin UI's vault).

--prune     also delete the definitions that are not in <folder>
--dry-run   print what would change, change nothing`,
  async run(argv, cli) {
    const { flags, positionals } = parseArgs(argv, [{ name: 'prune' }, { name: 'dry-run' }]);
    const [folder, extra] = positionals;
    if (!folder) throw new UsageError('name the folder to apply: dropcron apply <folder>');
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
    // Imported here, not at the top: `dropcron --help` imports every command module.
    const [{ loadConfig }, { createStore }, { planApply }] = await Promise.all([
      import('../config/load.ts'),
      import('../store/open.ts'),
      import('./apply-plan.ts'),
    ]);
    const loaded = await loadConfig(resolveConfigFile(cli.configFile));
    const own = loaded.problems.filter((p) => p.file === loaded.config.file);
    if (own.length) throw new ConfigError(own);
    const store = createStore(loaded.config);
    try {
      const plan = await planApply(loaded, store.definitions, resolve(folder), { prune: flags.prune === true });
      if (plan.problems.length) {
        for (const p of plan.problems) cli.stderr.write(formatProblem(p) + '\n');
        cli.stderr.write(`${counted(plan.problems.length, 'problem')} found; nothing applied\n`);
        return 1;
      }
      const verb = flags['dry-run'] ? 'would ' : '';
      for (const c of plan.changes) cli.stdout.write(`${verb}${c.action} ${c.kind}/${c.name}\n`);
      if (!flags['dry-run'] && plan.changes.length) await store.definitions.apply(plan.changes, plan.by);
      cli.stdout.write(
        `${flags['dry-run'] ? 'dry run: ' : ''}${counted(plan.changes.length, 'change')}, ${plan.unchanged} unchanged, in the ${store.kind} store\n`,
      );
      return 0;
    } finally {
      await store.close();
    }
  },
};
