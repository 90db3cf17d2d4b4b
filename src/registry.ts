// Loads plugins named in config.yaml and indexes their connection and task types.
import type { ConnectionType, Plugin, TaskType, CliCommand } from './plugin.ts';
import { registerSecretFields } from './secret-keys.ts';

export class Registry {
  readonly plugins: Plugin[] = [];
  readonly connectionTypes = new Map<string, ConnectionType>();
  readonly taskTypes = new Map<string, TaskType>();
  readonly commands = new Map<string, CliCommand>();

  add(plugin: Plugin): void {
    this.plugins.push(plugin);
    // Before any of the plugin's data can be loaded, let alone logged.
    if (plugin.configSchema) registerSecretFields(plugin.configSchema);
    for (const c of plugin.connectionTypes) registerSecretFields(c.schema);
    for (const t of plugin.taskTypes) registerSecretFields(t.schema);
    for (const c of plugin.connectionTypes) this.connectionTypes.set(c.type, c);
    for (const t of plugin.taskTypes) this.taskTypes.set(t.name, t);
    for (const c of plugin.commands ?? []) this.commands.set(c.name, c);
  }
}

const cache = new Map<string, Plugin>();

/** Imports plugins/<name>/index.ts for each name; the module's default export is the Plugin. */
export async function loadPlugins(names: string[]): Promise<Registry> {
  const registry = new Registry();
  for (const name of names) {
    if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`plugin name '${name}' is not valid`);
    let plugin = cache.get(name);
    if (!plugin) {
      const mod = (await import(new URL(`../plugins/${name}/index.ts`, import.meta.url).href)) as { default: Plugin };
      plugin = mod.default;
      cache.set(name, plugin);
    }
    registry.add(plugin);
  }
  return registry;
}
