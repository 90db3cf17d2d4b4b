// A trigger type's options as a job file takes them: the type's own, and the core's
// `debounce` (the core folds what a watcher reports), defined once in the job schema.
// The loader validates with it, the README lists it, the job editor builds its form.
import jobSchema from '../config/schemas/job.schema.json' with { type: 'json' };
import type { JsonSchema, TriggerType } from '../plugin.ts';

export function triggerOptionsSchema(tt: TriggerType): JsonSchema {
  const own = (tt.schema.properties ?? {}) as Record<string, JsonSchema>;
  return { ...tt.schema, properties: { ...own, debounce: jobSchema.definitions.debounce } };
}
