// `dropcron <command>`: parses arguments and calls one function per command.
// Every failure ends as one clear line on stderr and a non-zero exit, never a stack trace.
import { UsageError } from './args.ts';
import { oneLine } from './one-line.ts';
import { DROPCRON_VERSION } from './version.ts';
import type { CliCommand, CliContext } from './plugin.ts';
import { ConfigError } from './config/problems.ts';
import { startCommand } from './commands/start.ts';
import { validateCommand } from './commands/validate.ts';
import { connectionsCommand } from './commands/connections.ts';
import { jobsCommand } from './commands/jobs.ts';
import { runCommand } from './commands/run.ts';
import { disconnectCommand } from './commands/disconnect.ts';
import { storeCommand } from './commands/store.ts';
import { initCommand } from './commands/init.ts';
import { doctorCommand } from './commands/doctor.ts';
import { findConfigFile } from './config/config-file.ts';
import { applyCommand } from './commands/apply.ts';
import { loadPluginCommands } from './registry.ts';
import { readYamlFile } from './config/yaml-file.ts';
import { pluginNamesIn } from './config/plugin-names.ts';

const core: CliCommand[] = [
  startCommand,
  validateCommand,
  connectionsCommand,
  jobsCommand,
  disconnectCommand,
  runCommand,
  storeCommand,
  initCommand,
  doctorCommand,
  applyCommand,
];

export async function main(argv: string[], io: Partial<CliContext> = {}): Promise<number> {
  const ctx: CliContext = {
    configFile: undefined,
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    stdin: io.stdin ?? process.stdin,
  };
  // --config may come before the command too: `dropcron --config x.yaml validate`.
  const args = [...argv];
  const ci = args.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (ci >= 0) {
    const a = args[ci]!;
    ctx.configFile = a.includes('=') ? a.slice(a.indexOf('=') + 1) : args[ci + 1];
    args.splice(ci, a.includes('=') ? 1 : 2);
    if (!ctx.configFile) return fail(ctx, 'option --config needs a value');
  }
  const [name, ...rest] = args;
  try {
    const commands = await allCommands(ctx);
    if (!name || name === '--help' || name === '-h' || name === 'help') {
      ctx.stdout.write(usage(commands));
      return name ? 0 : 1;
    }
    if (name === '--version' || name === 'version') {
      ctx.stdout.write(`dropcron ${DROPCRON_VERSION}\n`);
      return 0;
    }
    const cmd = commands.find((c) => c.name === name);
    if (!cmd) return fail(ctx, `unknown command '${name}' (see dropcron --help)`);
    if (rest.includes('--help') || rest.includes('-h')) {
      ctx.stdout.write(`${cmd.usage.trimEnd()}\n`);
      return 0;
    }
    return await cmd.run(rest, ctx);
  } catch (err) {
    if (err instanceof ConfigError) {
      ctx.stderr.write(err.message + '\n');
      return 1;
    }
    return fail(ctx, err instanceof UsageError ? `${err.message} (see dropcron ${name} --help)` : oneLine(err));
  }
}

/** Core commands plus those of the plugins named in the config file (if it can be read). */
async function allCommands(ctx: CliContext): Promise<CliCommand[]> {
  // No config file yet (before `dropcron init`): the default plugins' commands.
  const file = findConfigFile(ctx.configFile);
  const data = file ? (await readYamlFile(file)).data : undefined;
  try {
    return [...core, ...(await loadPluginCommands(pluginNamesIn(data)))];
  } catch {
    return core;
  }
}

function usage(commands: CliCommand[]): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'dropcron: scheduled Dropbox transfer jobs',
    '',
    'Usage: dropcron [--config FILE] <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Config: --config FILE, else $DROPCRON_CONFIG, else the first of ./config.yaml,',
    '$XDG_CONFIG_HOME/dropcron/config.yaml (~/.config), /etc/dropcron/config.yaml that exists.',
    "Run `dropcron <command> --help` for a command's options.",
    '',
  ].join('\n');
}

function fail(ctx: CliContext, message: string): number {
  ctx.stderr.write(`dropcron: ${message}\n`);
  return 1;
}
