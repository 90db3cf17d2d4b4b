import type { CliCommand, CliContext } from '../plugin.ts';
import { parseArgs, UsageError } from '../args.ts';
import { loadConfig, resolveConfigFile } from '../config/load.ts';
import { formatProblem } from '../config/problems.ts';
import { createServices } from '../services.ts';
import { createLogger } from '../log.ts';
import type { DestinationStream } from 'pino';

export const disconnectCommand: CliCommand = {
  name: 'disconnect',
  summary: 'revoke a connection at the service and delete its stored tokens',
  usage: `Usage: dropcron disconnect <connection> [--config FILE]

Revokes the connection's grant at the service (best effort: the result is reported)
and deletes its tokens from the state directory. The connection file stays; sign it
in again with dropcron auth <connection>.`,
  async run(argv, cli) {
    const { positionals } = parseArgs(argv, []);
    const name = positionals[0];
    if (!name) throw new UsageError('name the connection to disconnect: dropcron disconnect <connection>');
    if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
    const loaded = await loadConfig(resolveConfigFile(cli.configFile));
    const def = loaded.connections.find((c) => c.name === name);
    if (!def) {
      for (const p of loaded.problems) cli.stderr.write(formatProblem(p) + '\n');
      throw new Error(`no valid connection named '${name}' in ${loaded.config.connections}`);
    }
    const ct = loaded.registry.connectionTypes.get(def.type);
    if (!ct?.disconnect) throw new Error(`connections of type '${def.type}' cannot be disconnected`);
    const services = createServices(loaded.config, { log: errorsToStderr(cli) });
    try {
      const r = await ct.disconnect(def, services);
      cli.stdout.write(`${r.revoked ? 'revoked' : 'not revoked'}: ${r.detail ?? (r.revoked ? 'revoked at the service' : 'unknown')}\n`);
      cli.stdout.write(`deleted the stored tokens of '${name}'\n`);
      return 0;
    } finally {
      await services.close();
    }
  },
};

/** Errors only, as JSON on stderr: stdout holds just the command's own output. */
function errorsToStderr(cli: CliContext) {
  return createLogger({ level: 'error', destination: cli.stderr as unknown as DestinationStream, pretty: false });
}
