// Which fields of a connection are secret (marked "x-secret": true in its schema),
// and how to describe them to the browser without ever sending a value.
import proxySchema from '../net/proxy.schema.json' with { type: 'json' };
import type { JsonSchema } from '../plugin.ts';

const REFS: Record<string, JsonSchema> = { [proxySchema.$id]: proxySchema as JsonSchema };

/** Dotted paths of every x-secret field in a schema, e.g. ['appSecret', 'proxy.password']. */
export function secretPaths(schema: JsonSchema, prefix = '', depth = 0): string[] {
  if (depth > 8) return [];
  const out = new Set<string>();
  const ref = typeof schema.$ref === 'string' ? REFS[schema.$ref] : undefined;
  if (ref) for (const p of secretPaths(ref, prefix, depth + 1)) out.add(p);
  const props = (schema.properties ?? {}) as Record<string, JsonSchema>;
  for (const [key, sub] of Object.entries(props)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (sub['x-secret'] === true) out.add(path);
    for (const p of secretPaths(sub, path, depth + 1)) out.add(p);
  }
  for (const branch of ['then', 'else', 'allOf', 'anyOf', 'oneOf'] as const) {
    const b = schema[branch];
    for (const s of Array.isArray(b) ? b : b ? [b] : [])
      for (const p of secretPaths(s as JsonSchema, prefix, depth + 1)) out.add(p);
  }
  return [...out];
}

/** A deep copy of `obj` without the secret paths. */
export function withoutSecrets<T>(obj: T, paths: string[]): T {
  const copy = structuredClone(obj) as Record<string, unknown>;
  for (const path of paths) {
    const segs = path.split('.');
    let cur: unknown = copy;
    for (const seg of segs.slice(0, -1))
      cur = cur && typeof cur === 'object' ? (cur as Record<string, unknown>)[seg] : undefined;
    if (cur && typeof cur === 'object') delete (cur as Record<string, unknown>)[segs.at(-1)!];
  }
  return copy as T;
}

/** Where a secret is set: the vault, an ${ENV} reference in the YAML, or a literal in the YAML. */
export type SecretSource = 'vault' | 'env' | 'yaml';
export interface SecretInfo {
  set: boolean;
  source?: SecretSource;
  /** The variable's name when the YAML refers to one (a name, never a value). */
  variable?: string;
}

/** Describes a secret from the raw (uninterpolated) YAML value and whether the vault holds it. */
export function describeSecret(raw: unknown, inVault: boolean): SecretInfo {
  if (inVault) return { set: true, source: 'vault' };
  if (typeof raw !== 'string' || raw === '') return { set: false };
  const m = /^\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-[^}]*)?\}$/.exec(raw.trim());
  return m ? { set: true, source: 'env', variable: m[1] } : { set: true, source: 'yaml' };
}

type Values = Record<string, unknown>;
const isObject = (v: unknown): v is Values => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The schema of `key` under `schema`: its properties, a $ref's, or an if/then/else or *Of branch's. */
function propertySchema(schema: JsonSchema, key: string, depth = 0): JsonSchema | undefined {
  if (depth > 8) return undefined;
  const own = (schema.properties as Record<string, JsonSchema> | undefined)?.[key];
  if (own) return own;
  const ref = typeof schema.$ref === 'string' ? REFS[schema.$ref] : undefined;
  const branches = [ref, schema.then, schema.else, schema.allOf, schema.anyOf, schema.oneOf].flat();
  for (const b of branches) {
    const found = isObject(b) ? propertySchema(b as JsonSchema, key, depth + 1) : undefined;
    if (found) return found;
  }
  return undefined;
}

/**
 * Whether the setting at dotted `path` still means something in `settings`: every object
 * above it is there, and each `x-showWhen` ({ sibling: value | [values] }) on the way
 * holds (a missing sibling counts as its default). The browser's form uses the same
 * rule to hide a field; here it decides that a secret of a removed setting goes.
 */
export function settingApplies(schema: JsonSchema, path: string, settings: Values): boolean {
  let s: JsonSchema | undefined = schema;
  let parent: unknown = settings;
  for (const seg of path.split('.')) {
    if (!s || !isObject(parent)) return false;
    const sub = propertySchema(s, seg);
    const when = sub?.['x-showWhen'];
    if (isObject(when)) {
      for (const [key, want] of Object.entries(when)) {
        const value = parent[key] ?? propertySchema(s, key)?.default;
        if (!(Array.isArray(want) ? want : [want]).includes(value)) return false;
      }
    }
    s = sub;
    parent = parent[seg];
  }
  return true;
}
