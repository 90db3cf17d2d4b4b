// Turns JSON Schema validation of a YAML file into one-line problems at the exact
// line:col of the offending key or value.
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { JsonSchema } from '../plugin.ts';
import proxySchema from '../net/proxy.schema.json' with { type: 'json' };
import type { YamlFile, Segment } from './yaml-file.ts';
import type { ConfigProblem } from './problems.ts';
import { formatPath, MAX_PROBLEMS_PER_FILE } from './problems.ts';

// Required when an Ajv is made, not imported: with the build's precompiled validators
// (src/config/validators.ts) a command never compiles a schema, so never loads ajv.
const require = createRequire(import.meta.url);

/**
 * One Ajv for config files: all errors (local files, not untrusted HTTP bodies), defaults
 * applied. `source` keeps the generated code for the build's precompiled validators
 * (src/config/validators.ts), which then take the formats from ajv-formats at run time.
 */
export function createAjv(opts: { source?: boolean } = {}): Ajv {
  const { Ajv, _ } = require('ajv') as typeof import('ajv');
  const addFormats = require('ajv-formats') as (ajv: Ajv) => Ajv;
  const ajv = new Ajv({
    allErrors: true,
    verbose: true,
    strict: true,
    useDefaults: true,
    strictRequired: false,
    allowUnionTypes: true,
    ...(opts.source ? { code: { source: true, formats: _`require("ajv-formats/dist/formats").fullFormats` } } : {}),
  });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-secret' });
  ajv.addKeyword({ keyword: 'x-unsupported' });
  ajv.addKeyword({ keyword: 'errorMessage' });
  // Annotations for forms built from schemas (src/admin/public/schema-form.js); no effect on validation.
  for (const keyword of ['x-order', 'x-enumTitles', 'x-showWhen', 'x-ui', 'x-remotePath', 'x-choices'])
    ajv.addKeyword({ keyword });
  ajv.addSchema(proxySchema);
  return ajv;
}

export function validateData(
  validate: ValidateFunction,
  file: YamlFile,
  data: unknown,
  base: Segment[] = [],
): ConfigProblem[] {
  if (validate(data)) return [];
  return toProblems(validate.errors ?? [], file, base);
}

export function toProblems(errors: ErrorObject[], file: YamlFile, base: Segment[] = []): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const seen = new Set<string>();
  for (const e of prune(errors)) {
    const segs = [...base, ...pointerToSegments(e.instancePath)];
    if (out.length >= MAX_PROBLEMS_PER_FILE) {
      // Beyond what capProblems shows: count it, without the position lookup and
      // "did you mean" search that make each shown problem cost a walk of the file.
      out.push({ file: file.file, line: 1, col: 1, path: formatPath(segs), message: e.keyword });
      continue;
    }
    let key: string | undefined;
    let message: string;
    let pathSegs = segs;
    switch (e.keyword) {
      case 'additionalProperties': {
        key = String(e.params.additionalProperty);
        pathSegs = [...segs, key];
        const schemaProps = Object.keys((e.parentSchema as { properties?: object })?.properties ?? {});
        const hint = closest(key, schemaProps);
        message =
          `unknown key '${key}'` +
          (hint ? ` (did you mean '${hint}'?)` : schemaProps.length ? ` (allowed: ${schemaProps.join(', ')})` : '');
        break;
      }
      case 'required':
        message = `is missing required key '${e.params.missingProperty}'`;
        break;
      case 'enum': {
        // Values listed only so that a later check can say why they are refused and what
        // to use instead (socks4, ntlm) are not offered as choices.
        const refused = (e.parentSchema as { 'x-unsupported'?: unknown[] })?.['x-unsupported'] ?? [];
        const allowed = (e.params.allowedValues as unknown[]).filter((v) => !refused.includes(v));
        message = `must be one of ${allowed.map(String).join(', ')}`;
        break;
      }
      case 'const':
        message = `must be ${JSON.stringify(e.params.allowedValue)}`;
        break;
      case 'type':
        message = `must be ${article(String(e.params.type))}`;
        break;
      case 'pattern':
        message =
          (e.parentSchema as { errorMessage?: string })?.errorMessage ??
          `has the wrong form (expected ${e.params.pattern})`;
        break;
      case 'format':
        message = `must be a valid ${e.params.format}`;
        break;
      case 'minProperties':
      case 'maxProperties':
        message = (e.parentSchema as { errorMessage?: string })?.errorMessage ?? e.message ?? 'is invalid';
        break;
      default:
        message = (e.parentSchema as { errorMessage?: string })?.errorMessage ?? e.message ?? 'is invalid';
    }
    const { line, col } = file.position(segs, { key });
    const p = { file: file.file, line, col, path: formatPath(pathSegs), message };
    const id = `${p.line}:${p.col}:${p.path}:${p.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      out.push(p);
    }
  }
  return out;
}

/** `anyOf`/`oneOf` failures repeat their branches' errors; keep the most specific ones. */
function prune(errors: ErrorObject[]): ErrorObject[] {
  const unions = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf' || e.keyword === 'if');
  if (!unions.length) return errors;
  return errors.filter((e) => e.keyword !== 'oneOf' && e.keyword !== 'anyOf' && e.keyword !== 'if');
}

export function pointerToSegments(pointer: string): Segment[] {
  if (!pointer) return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

function article(type: string): string {
  const t = type.replace(/,/g, ' or ');
  return /^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`;
}

/** The allowed key closest to a misspelt one, if it is close enough to be a typo. */
export function closest(word: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = distance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(word.length / 3)) ? best : undefined;
}

/** Edit distance counting an adjacent swap as one edit (optimal string alignment). */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

export type { JsonSchema };
