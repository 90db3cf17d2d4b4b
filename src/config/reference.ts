// The README's reference tables (config.yaml keys, connection keys, job keys, each
// task's and each trigger's options), generated from the schemas so that the
// documentation cannot drift from what the loader accepts. Written by src/config/gen-readme.ts; a test fails when
// README.md is out of date.
import configSchema from './schemas/config.schema.json' with { type: 'json' };
import connectionSchema from './schemas/connection.schema.json' with { type: 'json' };
import jobSchema from './schemas/job.schema.json' with { type: 'json' };
import proxySchema from '../net/proxy.schema.json' with { type: 'json' };
import type { JsonSchema } from '../plugin.ts';
import type { Registry } from '../registry.ts';
import { triggerOptionsSchema } from '../triggers/options-schema.ts';

type Schema = JsonSchema & { properties?: Record<string, Schema> };

const REFS: Record<string, Schema> = {
  [proxySchema.$id]: proxySchema as Schema,
  'config.schema.json#/definitions/notify': configSchema.definitions.notify as Schema,
  '#/definitions/notify': configSchema.definitions.notify as Schema,
};

/** Section name -> Markdown, one entry per pair of markers in README.md. */
export function referenceSections(registry: Registry): Map<string, string> {
  const out = new Map<string, string>();
  const config = structuredClone(configSchema) as Schema;
  for (const p of registry.plugins) if (p.configSchema) config.properties![p.name] = p.configSchema as Schema;
  out.set('config', table(config));
  out.set(
    'connections',
    [...registry.connectionTypes.values()]
      .map((ct) => {
        // The core's keys (name, type) keep their descriptions where the type only narrows them.
        const core = connectionSchema.properties as Record<string, Schema>;
        const own = (ct.schema.properties ?? {}) as Record<string, Schema>;
        const properties = { ...core };
        for (const [k, v] of Object.entries(own)) properties[k] = { ...core[k], ...v };
        const merged: Schema = { properties };
        return `Connection type \`${ct.type}\`:\n\n${table(merged)}`;
      })
      .join('\n\n'),
  );
  out.set('jobs', table(jobSchema as Schema));
  out.set('tasks', [...registry.taskTypes.values()].map((t) => typeSection(t.name, t.schema as Schema)).join('\n\n'));
  out.set(
    'triggers',
    [...registry.triggerTypes.values()].map((t) => typeSection(t.name, triggerOptionsSchema(t) as Schema)).join('\n\n'),
  );
  return out;
}

/** A task or trigger type: its name, what it does, its options. */
function typeSection(name: string, schema: Schema): string {
  return `#### \`${name}\`\n\n${cell(String(schema.description ?? ''))}\n\n${table(schema)}`;
}

/** `text` with the content between each `<!-- generated:NAME -->` and `<!-- /generated:NAME -->` replaced. */
export function fillMarkers(text: string, sections: Map<string, string>): string {
  let out = text;
  for (const [name, body] of sections) {
    const begin = `<!-- generated:${name} (npx tsx src/config/gen-readme.ts) -->`;
    const end = `<!-- /generated:${name} -->`;
    const i = out.indexOf(begin);
    const j = out.indexOf(end);
    if (i < 0 || j < i) throw new Error(`README.md has no markers ${begin} ... ${end}`);
    out = `${out.slice(0, i + begin.length)}\n\n${body}\n\n${out.slice(j)}`;
  }
  return out;
}

function table(schema: Schema): string {
  const rows = ['| key | type | default | meaning |', '|---|---|---|---|'];
  for (const [key, sub] of flatten(schema)) {
    rows.push(`| \`${key}\` | ${typeOf(sub)} | ${defaultOf(sub)} | ${cell(String(sub.description ?? ''))} |`);
  }
  return rows.join('\n');
}

/** Every property with its dotted key; objects' own properties follow them. */
function flatten(schema: Schema, prefix = ''): Array<[string, Schema]> {
  const out: Array<[string, Schema]> = [];
  for (const [key, raw] of Object.entries(schema.properties ?? {})) {
    if (key === '$schema') continue;
    const sub = resolve(raw);
    const path = prefix + key;
    out.push([path, sub]);
    const nested = sub.properties ? sub : (sub.else as Schema | undefined);
    if (nested?.properties) out.push(...flatten(nested, `${path}.`));
  }
  return out;
}

function resolve(s: Schema): Schema {
  const ref = typeof s.$ref === 'string' ? REFS[s.$ref] : undefined;
  return ref ? { ...ref, ...s, $ref: undefined, description: s.description ?? ref.description } : s;
}

function typeOf(s: Schema): string {
  if (Array.isArray(s.enum)) return s.enum.map((v) => `\`${String(v)}\``).join(' \\| ');
  if (s.const !== undefined) return `\`${String(s.const)}\``;
  if (s.if) return [s.then, s.else].map((b) => typeOf(b as Schema)).join(' \\| ');
  if (Array.isArray(s.oneOf)) return (s.oneOf as Schema[]).map(typeOf).join(' \\| ');
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  return types.map((t) => (t === 'array' && s.items ? `list of ${typeOf(s.items as Schema)}` : String(t))).join(' or ');
}

function defaultOf(s: Schema): string {
  const d = s.default;
  if (d === undefined || (typeof d === 'object' && d !== null && !Array.isArray(d))) return '-';
  return `\`${Array.isArray(d) ? `[${d.join(', ')}]` : String(d)}\``;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
