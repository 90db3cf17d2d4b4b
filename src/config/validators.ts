// The compiled schemas a load validates with, once per registry. Compiling them with ajv
// is most of what starting a command costs (a third of a second), so the build
// (src/config/precompile.ts) writes them as standalone code for the plugins a config
// names by default, and a load imports that module when the schemas match it exactly
// (same hash); any other plugin set, or code run from source, compiles them here.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { ValidateFunction } from 'ajv';
import configSchema from './schemas/config.schema.json' with { type: 'json' };
import jobSchema from './schemas/job.schema.json' with { type: 'json' };
import connectionSchema from './schemas/connection.schema.json' with { type: 'json' };
import { createAjv } from './validate.ts';
import { triggerSchemasOf } from '../triggers/options-schema.ts';
import type { JsonSchema } from '../plugin.ts';
import type { Registry } from '../registry.ts';

export interface Validators {
  config: ValidateFunction;
  connection: ValidateFunction;
  connectionTypes: Map<string, ValidateFunction>;
  job: ValidateFunction;
}

/** What gets compiled for a registry: config.yaml's schema (ajv refers to it by $id) and one schema per validator. */
export interface SchemaSet {
  config: JsonSchema & { $id: string };
  /** By export name: `connection`, `job`, `type:<connection type>`. */
  compiled: Record<string, JsonSchema>;
  /** Hash of all of it: names the precompiled module. */
  key: string;
}

/**
 * dist/validators/ as seen from dist/src/config/: generated code, apart from the trees that
 * mirror the sources. From src/config/ this is <root>/validators/, which does not exist.
 */
export const PRECOMPILED_DIR = new URL('../../validators/', import.meta.url);

export function schemaSet(registry: Registry): SchemaSet {
  const config = structuredClone(configSchema) as SchemaSet['config'] & { properties: Record<string, unknown> };
  // A plugin's section is always there after loading (`{}` when not written), so the
  // defaults inside it apply and the plugin reads them instead of repeating them.
  for (const p of registry.plugins) if (p.configSchema) config.properties[p.name] = { default: {}, ...p.configSchema };
  const job = structuredClone(jobSchema) as any;
  job.$id = 'job-with-tasks';
  job.properties.notify = configSchema.definitions.notify;
  const task = job.definitions.task;
  task.properties = {};
  task.additionalProperties = false;
  for (const [name, tt] of registry.taskTypes) task.properties[name] = tt.schema;
  job.properties.trigger.properties = triggerSchemasOf(registry);
  job.properties.trigger.additionalProperties = false;
  const compiled: Record<string, JsonSchema> = { connection: connectionSchema, job };
  for (const [type, ct] of registry.connectionTypes) compiled[`type:${type}`] = ct.schema;
  const key = createHash('sha256')
    .update(JSON.stringify([config, compiled]))
    .digest('hex')
    .slice(0, 32);
  return { config, compiled, key };
}

/** Compiles `set` with one Ajv; `source` keeps the code for standaloneCode (the build). */
export function compileSet(set: SchemaSet, opts: { source?: boolean } = {}) {
  const ajv = createAjv(opts);
  ajv.addSchema(set.config);
  const fns: Record<string, ValidateFunction> = { config: ajv.getSchema(set.config.$id)! };
  for (const [name, schema] of Object.entries(set.compiled)) fns[name] = ajv.compile(schema);
  return { ajv, fns };
}

const known = new WeakMap<Registry, Validators>();

export function validatorsFor(registry: Registry): Validators {
  const cached = known.get(registry);
  if (cached) return cached;
  const set = schemaSet(registry);
  const file = new URL(`${set.key}.cjs`, PRECOMPILED_DIR);
  // require, not import: an import would first scan the whole module for its exports.
  const fns = existsSync(file)
    ? (createRequire(import.meta.url)(fileURLToPath(file)) as Record<string, ValidateFunction>)
    : compileSet(set).fns;
  const connectionTypes = new Map<string, ValidateFunction>();
  for (const type of registry.connectionTypes.keys()) connectionTypes.set(type, fns[`type:${type}`]!);
  const validators = { config: fns.config!, connection: fns.connection!, connectionTypes, job: fns.job! };
  known.set(registry, validators);
  return validators;
}
