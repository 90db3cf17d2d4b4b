// Commands that act on one named connection (test, disconnect, a plugin's auth) share
// how they find it, what they say when it is missing or broken, and the services they
// run with. Plugins get withConnection through src/plugin.ts.
import { coreError } from '../errors.ts';
import type { DestinationStream } from 'pino';
import type { CliContext, ConnectionDefinition, ConnectionType, Services } from '../plugin.ts';
import { UsageError } from '../args.ts';
import { resolveConfigFile } from '../config/config-file.ts';
import { formatProblem } from '../config/problems.ts';

export interface OneConnection {
  def: ConnectionDefinition;
  ct: ConnectionType;
  /** Closed by withConnection when `fn` is done. */
  services: Services;
}

/**
 * Finds connection `args[0]` and runs `fn` with it; `usage` completes the message
 * when no name is given (e.g. 'dropcron disconnect <connection>').
 */
export async function withConnection<T>(
  args: string[],
  cli: CliContext,
  usage: string,
  fn: (c: OneConnection) => Promise<T>,
): Promise<T> {
  const name = args[0];
  if (!name) throw new UsageError(`name the connection: ${usage}`);
  if (args.length > 1) throw new UsageError(`unexpected argument '${args[1]}'`);
  // Imported here, not at the top: command modules (and plugins, through src/plugin.ts)
  // import this one, and `dropcron --help` imports every command module.
  const [{ loadConfig }, { createServices }, { createLogger }, { withSandboxes }] = await Promise.all([
    import('../config/load.ts'),
    import('../services.ts'),
    import('../log.ts'),
    import('../sandboxes.ts'),
  ]);
  const loaded = await loadConfig(resolveConfigFile(cli.configFile));
  const def = loaded.connections.find((c) => c.name === name);
  if (!def) {
    for (const p of loaded.problems) cli.stderr.write(formatProblem(p) + '\n');
    const known = loaded.connections.map((c) => c.name);
    throw coreError(
      'DC_NOT_FOUND',
      `no valid connection named '${name}' in ${loaded.config.connections}${known.length ? ` (known: ${known.join(', ')})` : ''}`,
    );
  }
  const ct = loaded.registry.connectionTypes.get(def.type)!;
  // Errors only, as JSON on stderr: stdout holds just the command's own output.
  const log = createLogger({ level: 'error', destination: cli.stderr as unknown as DestinationStream, pretty: false });
  const services = createServices(loaded.config, { log });
  try {
    return await withSandboxes(loaded, services, log, () => fn({ def, ct, services }));
  } finally {
    await services.close();
  }
}
