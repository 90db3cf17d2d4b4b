// The plugins' sandboxes, shared by the daemon and `dropcron run`; a module of its own
// so that `run` does not load the daemon's scheduler, config watcher and their imports.
import type { LoadedConfig } from './config/load.ts';
import type { Logger } from './log.ts';
import type { OwnedServices } from './services.ts';

/** A started part of a process, stopped in reverse order of starting. */
export interface DaemonPart {
  name: string;
  stop(): Promise<void>;
}

/**
 * Starts each plugin's sandbox when config.yaml says `sandbox: true`; shared by the
 * daemon and `dropcron run` so a one-off run sees the same services.
 */
export async function startSandboxes(
  loaded: LoadedConfig,
  services: OwnedServices,
  log: Logger,
  parts: DaemonPart[],
  urls: Record<string, string> = {},
): Promise<void> {
  if (!loaded.config.sandbox) return;
  for (const plugin of loaded.registry.plugins) {
    if (!plugin.startSandbox) continue;
    const sandbox = await plugin.startSandbox(services);
    services.sandboxes.set(plugin.name, sandbox);
    urls[`sandbox:${plugin.name}`] = sandbox.url;
    parts.push({ name: `${plugin.name} sandbox`, stop: () => sandbox.close() });
    log.info(
      { url: sandbox.url },
      sandbox.shared
        ? `using the ${plugin.name} sandbox already running on this port`
        : `${plugin.name} sandbox listening`,
    );
  }
}

/**
 * Runs a one-off command (`connections test`, `disconnect`, a plugin's `auth`) with the
 * sandboxes the daemon would have: started here when no daemon runs, else shared.
 */
export async function withSandboxes<T>(
  loaded: LoadedConfig,
  services: OwnedServices,
  log: Logger,
  fn: () => Promise<T>,
): Promise<T> {
  const parts: DaemonPart[] = [];
  try {
    await startSandboxes(loaded, services, log, parts);
    return await fn();
  } finally {
    for (const part of parts.reverse()) await part.stop().catch(() => {});
  }
}
