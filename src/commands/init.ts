import type { CliCommand } from '../plugin.ts';
import { parseArgs, UsageError } from '../args.ts';
import { userConfigDir } from '../config/config-file.ts';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

export const initCommand: CliCommand = {
  name: 'init',
  summary: 'write a commented starter config, a sandbox connection and an example job',
  usage: `Usage: dropcron init [DIR]

Writes DIR/config.yaml (commented, with the defaults), one connection to each plugin's
sandbox in DIR/connections and one example job in DIR/jobs. DIR defaults to
$XDG_CONFIG_HOME/dropcron (~/.config/dropcron), where dropcron looks for its config;
for a system service, use /etc/dropcron. Refuses to overwrite any file that exists.`,
  async run(argv, cli) {
    const { positionals } = parseArgs(argv, []);
    const [arg, extra] = positionals;
    if (extra !== undefined) throw new UsageError(`unexpected argument '${extra}'`);
    const dir = arg ? resolve(arg) : userConfigDir();
    // Imported here, not at the top: `dropcron --help` imports every command module.
    const [{ loadPlugins }, { pluginNamesIn }] = await Promise.all([
      import('../registry.ts'),
      import('../config/plugin-names.ts'),
    ]);
    const names = pluginNamesIn(undefined);
    const { plugins } = await loadPlugins(names);
    const core = await readFile(new URL('./init-config.yaml', import.meta.url), 'utf8');
    const files: Record<string, string> = { 'config.yaml': core.replace('{plugins}', names.join(', ')) };
    for (const p of plugins) {
      const s = await p.starter?.();
      if (!s) continue;
      files['config.yaml'] += `\n${s.config}`;
      Object.assign(files, s.files);
    }
    const there = Object.keys(files).filter((f) => existsSync(join(dir, f)));
    if (there.length) {
      cli.stderr.write(`dropcron: not overwriting ${there.map((f) => join(dir, f)).join(', ')}; nothing written\n`);
      return 1;
    }
    for (const [f, text] of Object.entries(files)) {
      await mkdir(dirname(join(dir, f)), { recursive: true });
      // 'wx': a file that appeared since the check above is still not overwritten.
      await writeFile(join(dir, f), text, { flag: 'wx' });
      cli.stdout.write(`wrote ${join(dir, f)}\n`);
    }
    const config = join(dir, 'config.yaml');
    cli.stdout.write(
      `next: dropcron --config ${config} validate, then run the example job: dropcron --config ${config} run <job> --dry-run\n`,
    );
    return 0;
  },
};
