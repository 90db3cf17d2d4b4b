import type { CliCommand, ConnectionStatus } from '../plugin.ts';
import { parseArgs, UsageError } from '../args.ts';
import { loadConfig, resolveConfigFile } from '../config/load.ts';
import { formatProblem } from '../config/problems.ts';
import { createServices } from '../services.ts';
import { table } from './table.ts';

export const connectionsCommand: CliCommand = {
  name: 'connections',
  summary: 'list connections and whether each is authorised',
  usage: `Usage: dropcron connections list [--config FILE]

Lists every valid connection: name, type, account, app, proxy and status
(authorised, needs-authorisation, needs-reauthorisation). Problems in connection
files are printed to stderr. Plugins add more subcommands (e.g. test).`,
  async run(argv, cli) {
    const { positionals } = parseArgs(argv, []);
    const sub = positionals[0] ?? 'list';
    if (sub !== 'list') throw new UsageError(`unknown connections subcommand '${sub}'`);
    const loaded = await loadConfig(resolveConfigFile(cli.configFile));
    for (const p of loaded.problems) cli.stderr.write(formatProblem(p) + '\n');
    const services = createServices(loaded.config, { quiet: true });
    try {
      const rows: string[][] = [];
      for (const c of loaded.connections) {
        const ct = loaded.registry.connectionTypes.get(c.type);
        const status = ct?.status ? await ct.status(c, services).catch((e: Error): ConnectionStatus => ({ state: 'error', detail: e.message })) : undefined;
        const proxy = c.proxy as { type?: string; host?: string; port?: number } | string | undefined;
        const proxyText = typeof proxy === 'string' ? proxy : proxy?.type && proxy.type !== 'none' ? `${proxy.type}${proxy.host ? ` ${proxy.host}:${proxy.port}` : ''}` : '-';
        rows.push([
          c.name, c.type, String(c.account ?? '-'), String(c.app ?? '-'), proxyText,
          status ? status.state + (status.label ? ` (${status.label})` : '') + (status.detail ? `: ${status.detail}` : '') : '-',
        ]);
      }
      cli.stdout.write(rows.length ? table(['NAME', 'TYPE', 'ACCOUNT', 'APP', 'PROXY', 'STATUS'], rows) : 'no connections\n');
    } finally {
      await services.close();
    }
    return loaded.problems.length ? 1 : 0;
  },
};
