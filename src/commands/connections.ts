import type { CliCommand, CliContext, ConnectionStatus } from '../plugin.ts';
import { parseArgs, UsageError } from '../args.ts';
import { resolveConfigFile } from '../config/config-file.ts';
import { formatProblem } from '../config/problems.ts';
import { withConnection } from './one-connection.ts';
import { table } from './table.ts';
import { proxyText } from '../net/proxy-text.ts';

export const connectionsCommand: CliCommand = {
  name: 'connections',
  summary: 'list connections and whether each is authorised; test one end to end',
  usage: `Usage: dropcron connections list [--config FILE]
       dropcron connections test <name> [--config FILE]

list  every valid connection: name, type, the facts its plugin describes
      (such as the kind of account), proxy and status
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
    // Imported here, not at the top: `dropcron --help` imports every command module.
    const [{ loadConfig }, { createServices }] = await Promise.all([
      import('../config/load.ts'),
      import('../services.ts'),
    ]);
    const loaded = await loadConfig(resolveConfigFile(cli.configFile));
    for (const p of loaded.problems) cli.stderr.write(formatProblem(p) + '\n');
    const services = createServices(loaded.config, { quiet: true });
    try {
      // The plugins' describe() facts become columns between TYPE and PROXY, in the
      // order they first appear; a connection without one shows '-'.
      const factKeys: string[] = [];
      const listed: Array<{ c: (typeof loaded.connections)[number]; facts: Record<string, string>; status: string }> =
        [];
      for (const c of loaded.connections) {
        const ct = loaded.registry.connectionTypes.get(c.type);
        const status = ct?.status
          ? await ct.status(c, services).catch((e: Error): ConnectionStatus => ({ state: 'error', detail: e.message }))
          : undefined;
        const facts = ct?.describe?.(c) ?? {};
        for (const k of Object.keys(facts)) if (!factKeys.includes(k)) factKeys.push(k);
        listed.push({
          c,
          facts,
          status: status
            ? status.state + (status.label ? ` (${status.label})` : '') + (status.detail ? `: ${status.detail}` : '')
            : '-',
        });
      }
      const rows = listed.map(({ c, facts, status }) => [
        c.name,
        c.type,
        ...factKeys.map((k) => facts[k] ?? '-'),
        proxyText(c.proxy),
        status,
      ]);
      const head = ['NAME', 'TYPE', ...factKeys.map((k) => k.toUpperCase()), 'PROXY', 'STATUS'];
      cli.stdout.write(rows.length ? table(head, rows) : 'no connections\n');
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
