// Loads plugins named in config.yaml and indexes their connection and task types.
import type { ConnectionType, Plugin, TaskType, TriggerType, CliCommand, JsonSchema } from './plugin.ts';
import { existsSync } from 'node:fs';
import { registerSecretFields } from './secret-keys.ts';
import { localTrigger } from './triggers/local.ts';
import coreConnectionSchema from './config/schemas/connection.schema.json' with { type: 'json' };

const core = coreConnectionSchema;
/**
 * The connection fields only the core defines, because the core itself reads them (the
 * dispatcher's proxy and timeout, the sandbox switch). `name` is the core's too, but a
 * plugin's schema may restate it; `type` is left to the plugin, which narrows it.
 */
const { name: _name, type: _type, ...CORE_ONLY } = core.properties;

/**
 * The connection type with the core's fields in its schema, so a file is checked (and
 * the admin UI finds proxy.password) against one definition of them. A plugin that
 * defines one of the core-only fields itself is refused: the core would go on reading
 * the field under its own name and shape, whatever the plugin said.
 */
function withCoreFields(plugin: string, ct: ConnectionType): ConnectionType {
  const own = (ct.schema.properties ?? {}) as Record<string, JsonSchema>;
  const clash = Object.keys(CORE_ONLY).filter((k) => k in own);
  if (clash.length)
    throw new Error(
      `plugin '${plugin}': connection type '${ct.type}' defines ${clash.join(', ')}, which the core defines for every connection (src/config/schemas/connection.schema.json); remove ${clash.length > 1 ? 'them' : 'it'} from its schema`,
    );
  const required = [...new Set([...core.required, ...((ct.schema.required as string[] | undefined) ?? [])])];
  return {
    ...ct,
    schema: { ...ct.schema, required, properties: { ...own, name: core.properties.name, ...CORE_ONLY } },
  };
}

export class Registry {
  readonly plugins: Plugin[] = [];
  readonly connectionTypes = new Map<string, ConnectionType>();
  readonly taskTypes = new Map<string, TaskType>();
  /** The core's own trigger type (a local folder is no plugin's) comes first; a plugin may not reuse its name. */
  readonly triggerTypes = new Map<string, TriggerType>([[localTrigger.name, localTrigger]]);

  add(plugin: Plugin): void {
    this.plugins.push(plugin);
    // Before any of the plugin's data can be loaded, let alone logged.
    if (plugin.configSchema) registerSecretFields(plugin.configSchema);
    for (const c of plugin.connectionTypes) registerSecretFields(c.schema);
    for (const t of plugin.taskTypes) registerSecretFields(t.schema);
    for (const t of plugin.triggerTypes ?? []) registerSecretFields(t.schema);
    for (const c of plugin.connectionTypes) this.connectionTypes.set(c.type, withCoreFields(plugin.name, c));
    for (const t of plugin.taskTypes) this.taskTypes.set(t.name, t);
    for (const t of plugin.triggerTypes ?? []) {
      if (t.name === localTrigger.name)
        throw new Error(`plugin '${plugin.name}': the trigger type '${t.name}' is the core's`);
      this.triggerTypes.set(t.name, t);
    }
  }
}

const cache = new Map<string, Plugin>();
/** Compiled (dist/), this file is registry.js and plugins are .js beside it; from source (tsx, vitest) .ts. */
const moduleExt = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

/** plugins/<name>/<file>.ts (.js when compiled), after checking the name cannot leave plugins/. */
function pluginModule(name: string, file: string): URL {
  if (!/^[a-z][a-z0-9-]*$/.test(name)) throw new Error(`plugin name '${name}' is not valid`);
  return new URL(`../plugins/${name}/${file}${moduleExt}`, import.meta.url);
}

/** Imports plugins/<name>/index.ts for each name; the module's default export is the Plugin. */
export async function loadPlugins(names: string[]): Promise<Registry> {
  const registry = new Registry();
  for (const name of names) {
    let plugin = cache.get(name);
    if (!plugin) {
      const mod = (await import(pluginModule(name, 'index').href)) as { default: Plugin };
      plugin = mod.default;
      cache.set(name, plugin);
    }
    registry.add(plugin);
  }
  return registry;
}

/**
 * The CLI commands of the named plugins. `dropcron --help` lists them, and importing a
 * whole plugin (its connector, its sandbox) would cost more than the rest of the CLI;
 * so a plugin may default-export its `commands` from a light plugins/<name>/commands.ts,
 * read instead of index.ts.
 */
export async function loadPluginCommands(names: string[]): Promise<CliCommand[]> {
  const commands: CliCommand[] = [];
  for (const name of names) {
    const light = pluginModule(name, 'commands');
    if (existsSync(light)) commands.push(...((await import(light.href)) as { default: CliCommand[] }).default);
    else commands.push(...((await loadPlugins([name])).plugins[0]!.commands ?? []));
  }
  return commands;
}
