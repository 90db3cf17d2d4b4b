// Defaults live in the JSON Schemas only: ajv's `useDefaults` fills them in while it
// validates (createAjv). These helpers are for the few places that need the defaults
// apart from a loader's validation.
import type { ValidateFunction } from 'ajv';
import type { JsonSchema } from '../plugin.ts';
import { createAjv } from './validate.ts';

/** What a schema's defaults make of an empty object (nested objects that default to `{}` included). */
export function schemaDefaults(check: ValidateFunction): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  check(out);
  return out;
}

const compiled = new WeakMap<JsonSchema, ValidateFunction>();

/**
 * A copy of `data` with `schema`'s defaults filled in, whether or not it is valid:
 * for code that runs a task or uses a definition without going through the loader
 * (tools, tests), which would otherwise see options the loader always fills.
 */
export function withDefaults<T>(schema: JsonSchema, data: T): T {
  let check = compiled.get(schema);
  if (!check) {
    check = createAjv().compile(schema);
    compiled.set(schema, check);
  }
  const copy = structuredClone(data);
  check(copy);
  return copy;
}
