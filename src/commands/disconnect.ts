import type { CliCommand } from '../plugin.ts';
import { parseArgs } from '../args.ts';
import { withConnection } from './one-connection.ts';

export const disconnectCommand: CliCommand = {
  name: 'disconnect',
  summary: 'revoke a connection at the service and delete its stored tokens',
  usage: `Usage: dropcron disconnect <connection> [--config FILE]

Revokes the connection's grant at the service (best effort: the result is reported)
and deletes its tokens from the state directory. The connection file stays; sign it
in again with dropcron auth <connection>.`,
  async run(argv, cli) {
    const { positionals } = parseArgs(argv, []);
    return withConnection(positionals, cli, 'dropcron disconnect <connection>', async ({ def, ct, services }) => {
      if (!ct.disconnect) throw new Error(`connections of type '${def.type}' cannot be disconnected`);
      const r = await ct.disconnect(def, services);
      cli.stdout.write(
        `${r.revoked ? 'revoked' : 'not revoked'}: ${r.detail ?? (r.revoked ? 'revoked at the service' : 'unknown')}\n`,
      );
      cli.stdout.write(`deleted the stored tokens of '${def.name}'\n`);
      return 0;
    });
  },
};
