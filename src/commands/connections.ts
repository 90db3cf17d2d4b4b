import type { CliCommand, CliContext, ConnectionStatus } from '../plugin.ts';
import { parseArgs, UsageError } from '../args.ts';
import { loadConfig, resolveConfigFile } from '../config/load.ts';
import { formatProblem } from '../config/problems.ts';
import { createServices } from '../services.ts';
import { withConnection } from './one-connection.ts';
import { table } from './table.ts';

export const connectionsCommand: CliCommand = {
  name: 'connections',
  summary: 'list connections and whether each is authorised; test one end to end',
  usage: `Usage: dropcron connections list [--config FILE]
       dropcron connections test <name> [--config FILE]

list  every valid connection: name, type, account, app, proxy and status
      (authorised, needs-authorisation, needs-reauthorisation). Problems in
      connection files are printed to stderr.
test  signs in or refreshes, then reports the account, granted scopes, quota, the
      round-trip time through the configured proxy, and which roots (namespaces)
      it can reach. Exits 1 when the test fails.`,
  async run(argv, cli) {
    const { positionals } = parseArgs(argv, []);
    const sub = positionals[0] ?? 'list';
    if (sub === 'test') return testOne(positionals.slice(1), cli);
    if (sub !== 'list') throw new UsageError(`unknown connections subcommand '${sub}'`);
    const loaded = await loadConfig(resolveConfigFile(cli.configFile));
    for (const p of loaded.problems) cli.stderr.write(formatProblem(p) + '\n');
    const services = createServices(loaded.config, { quiet: true });
    try {
      const rows: string[][] = [];
      for (const c of loaded.connections) {
        const ct = loaded.registry.connectionTypes.get(c.type);
        const status = ct?.status
          ? await ct.status(c, services).catch((e: Error): ConnectionStatus => ({ state: 'error', detail: e.message }))
          : undefined;
        const proxy = c.proxy;
        const proxyText =
          typeof proxy === 'string'
            ? proxy
            : proxy?.type && proxy.type !== 'none'
              ? `${proxy.type}${proxy.host ? ` ${proxy.host}:${proxy.port}` : ''}`
              : '-';
        rows.push([
          c.name,
          c.type,
          String(c.account ?? '-'),
          String(c.app ?? '-'),
          proxyText,
          status
            ? status.state + (status.label ? ` (${status.label})` : '') + (status.detail ? `: ${status.detail}` : '')
            : '-',
        ]);
      }
      cli.stdout.write(
        rows.length ? table(['NAME', 'TYPE', 'ACCOUNT', 'APP', 'PROXY', 'STATUS'], rows) : 'no connections\n',
      );
    } finally {
      await services.close();
    }
    return loaded.problems.length ? 1 : 0;
  },
};

async function testOne(args: string[], cli: CliContext): Promise<number> {
  return withConnection(args, cli, 'dropcron connections test <name>', async ({ def, ct, services }) => {
    if (!ct.test) throw new Error(`connections of type '${def.type}' cannot be tested`);
    const report = await ct.test(def, services);
    const width = Math.max(...report.lines.map(([label]) => label.length));
    for (const [label, value] of report.lines) cli.stdout.write(`${`${label}:`.padEnd(width + 1)} ${value}\n`);
    cli.stdout.write(report.ok ? `ok: '${def.name}' works\n` : '');
    if (!report.ok) cli.stderr.write(`dropcron: connection '${def.name}' failed its test\n`);
    return report.ok ? 0 : 1;
  });
}
