// A trigger type's options as a job file takes them: the type's own, and the core's
// `debounce` (the core folds what a watcher reports), defined once in the job schema.
// The loader validates with it, the README lists it, the job editor builds its form.
import jobSchema from '../config/schemas/job.schema.json' with { type: 'json' };
import type { JsonSchema, Plugin, TriggerType } from '../plugin.ts';
import { Registry } from '../registry.ts';

export function triggerOptionsSchema(tt: TriggerType): JsonSchema {
  const own = (tt.schema.properties ?? {}) as Record<string, JsonSchema>;
  return { ...tt.schema, properties: { ...own, debounce: jobSchema.definitions.debounce } };
}

/**
 * Every trigger type a job may name with `plugins` loaded (the core's own and theirs),
 * each with its options as a job file takes them: for a plugin's editor schema.
 */
export function jobTriggerSchemas(plugins: Plugin[]): Record<string, JsonSchema> {
  const registry = new Registry();
  for (const p of plugins) registry.add(p);
  return triggerSchemasOf(registry);
}

/** The `trigger` keys of a job file with `registry`'s trigger types: the loader's and the editor schema's. */
export function triggerSchemasOf(registry: Registry): Record<string, JsonSchema> {
  return Object.fromEntries([...registry.triggerTypes].map(([name, tt]) => [name, triggerOptionsSchema(tt)]));
}
