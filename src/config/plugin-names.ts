// Which plugins a config file asks for, read before the file is validated: the plugins
// supply part of the schema it is validated against, and the CLI lists their commands.
import configSchema from './schemas/config.schema.json' with { type: 'json' };

/** `plugins:` of a parsed config file when it is a list of strings, else the schema's default. */
export function pluginNamesIn(data: unknown): string[] {
  const plugins = (data as { plugins?: unknown } | null | undefined)?.plugins;
  return Array.isArray(plugins) && plugins.every((p) => typeof p === 'string')
    ? (plugins as string[])
    : configSchema.properties.plugins.default;
}
