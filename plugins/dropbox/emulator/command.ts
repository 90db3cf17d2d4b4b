// `dropcron emulator`: runs the Dropbox API v2 emulator until SIGINT/SIGTERM.
import type { CliCommand } from '../../../src/plugin.ts';
import { UsageError, parseArgs } from '../../../src/plugin.ts';

function num(
  flags: Record<string, string | boolean>,
  name: string,
  opts: { min?: number; max?: number } = {},
): number | undefined {
  const v = flags[name];
  if (v === undefined) return undefined;
  const n = Number(v);
  if (
    typeof v !== 'string' ||
    v.trim() === '' ||
    !Number.isFinite(n) ||
    (opts.min !== undefined && n < opts.min) ||
    (opts.max !== undefined && n > opts.max)
  ) {
    throw new UsageError(
      `option --${name} needs a number${opts.min !== undefined ? ` >= ${opts.min}` : ''}${opts.max !== undefined ? ` <= ${opts.max}` : ''}, got '${String(v)}'`,
    );
  }
  return n;
}

export const emulatorCommand: CliCommand = {
  name: 'emulator',
  summary: 'run the Dropbox API v2 emulator (sandbox) on a local port',
  usage: `Usage: dropcron emulator [--port 8471] [--host 127.0.0.1] [--data DIR] [--seed FILE] [--tls]
                         [--latency MS] [--bandwidth BYTES/S] [--failure-rate R]
                         [--rate-limit N] [--quota BYTES] [--write-contention] [--log]

Serves the api.dropboxapi.com, content.dropboxapi.com and www.dropbox.com routes on
one port and prints its URL (--port 0 picks a free port). Runs until Ctrl-C.

  --data DIR          keep file contents on disk (default: in memory)
  --seed FILE         apps and accounts (YAML/JSON); default: the built-in demo seed
  --tls               HTTPS with a fresh self-signed certificate (printed)
  --latency MS        delay before every API call
  --bandwidth B/S     cap each request's body and each response's bytes per second
  --failure-rate R    answer a share R (0..1) of calls with 500 or 503
  --rate-limit N      allow N calls per second per access token, then 429
  --quota BYTES       override every account's quota
  --write-contention  concurrent commits to one namespace get too_many_write_operations
  --log               print one JSON line per request`,
  async run(argv, cli) {
    const { flags } = parseArgs(argv, [
      { name: 'port', value: true },
      { name: 'host', value: true },
      { name: 'data', value: true },
      { name: 'seed', value: true },
      { name: 'tls' },
      { name: 'latency', value: true },
      { name: 'bandwidth', value: true },
      { name: 'failure-rate', value: true },
      { name: 'rate-limit', value: true },
      { name: 'quota', value: true },
      { name: 'write-contention' },
      { name: 'log' },
    ]);
    // Every option is checked before the port is bound: a bad one must fail as itself,
    // not as "port in use" beside a running sandbox.
    const options = {
      port: num(flags, 'port', { min: 0, max: 65535 }) ?? 8471,
      host: typeof flags.host === 'string' ? flags.host : undefined,
      dataDir: typeof flags.data === 'string' ? flags.data : undefined,
      seed: typeof flags.seed === 'string' ? flags.seed : undefined,
      tls: flags.tls === true,
      latencyMs: num(flags, 'latency', { min: 0 }),
      bandwidthBytesPerSec: num(flags, 'bandwidth', { min: 1 }),
      log: flags.log ? (line: unknown) => cli.stdout.write(JSON.stringify(line) + '\n') : undefined,
    };
    const faults = {
      failureRate: num(flags, 'failure-rate', { min: 0, max: 1 }),
      rateLimitPerSecond: num(flags, 'rate-limit', { min: 1 }),
      quotaBytes: num(flags, 'quota', { min: 0 }),
      concurrentWriteLimit: flags['write-contention'] === true,
    };
    // Imported here, not at the top: `dropcron --help` imports this module.
    const { startEmulator } = await import('./index.ts');
    const emulator = await startEmulator(options);
    emulator.faults.set(faults);
    cli.stdout.write(`Dropbox emulator listening on ${emulator.url}\n`);
    cli.stdout.write(
      `apps: ${emulator.seed.apps.map((a) => a.key).join(', ')}; accounts: ${emulator.seed.accounts.map((a) => a.id).join(', ')}\n`,
    );
    if (emulator.ca) cli.stdout.write(emulator.ca);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        resolve();
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    await emulator.close();
    return 0;
  },
};
