// Argument checking by stone's JSON rules: structs reject unknown and missing fields,
// unions accept "tag" or {".tag": ...} with struct members inlined, strings may carry
// patterns. A failure is a 400 plain-text message naming where and what, as Dropbox does.

export class ArgError extends Error {}

export interface Ty<T = unknown> {
  kind: 'prim' | 'struct' | 'union' | 'list';
  parse(v: unknown, at: string): T;
}

export interface Field {
  ty: Ty;
  optional?: boolean;
  default?: unknown;
}

/** A parsed union value: its tag and, for non-void members, the member's value. */
export interface UnionValue {
  tag: string;
  value?: any;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'list';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'float';
  return typeof v === 'boolean' ? 'boolean' : typeof v;
}

function fail(at: string, msg: string): never {
  throw new ArgError(at ? `${at}: ${msg}` : msg);
}

function prim<T>(parse: (v: unknown, at: string) => T): Ty<T> {
  return { kind: 'prim', parse };
}

export const t = {
  str(o: { pattern?: string; min?: number; max?: number } = {}): Ty<string> {
    const re = o.pattern ? new RegExp(`^(?:${o.pattern})$`) : undefined;
    return prim((v, at) => {
      if (typeof v !== 'string') fail(at, `expected string, got ${typeName(v)}`);
      if (o.min !== undefined && v.length < o.min) fail(at, `'${v}' has fewer than ${o.min} character(s)`);
      if (o.max !== undefined && v.length > o.max) fail(at, `string is longer than ${o.max} character(s)`);
      if (re && !re.test(v)) fail(at, `'${v}' did not match pattern '${o.pattern}'`);
      return v;
    });
  },
  bool: prim((v, at) => (typeof v === 'boolean' ? v : fail(at, `expected boolean, got ${typeName(v)}`))),
  uint(o: { min?: number; max?: number } = {}): Ty<number> {
    return prim((v, at) => {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0)
        fail(at, `expected unsigned integer, got ${typeName(v)}`);
      if (o.min !== undefined && v < o.min) fail(at, `${v} is not greater than or equal to ${o.min}`);
      if (o.max !== undefined && v > o.max) fail(at, `${v} is not less than or equal to ${o.max}`);
      return v;
    });
  },
  /** Float64 bounds, as get_temporary_upload_link's duration has them. */
  float(o: { min?: number; max?: number } = {}): Ty<number> {
    return prim((v, at) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) fail(at, `expected float, got ${typeName(v)}`);
      if (o.min !== undefined && v < o.min) fail(at, `${v} is not greater than or equal to ${o.min}`);
      if (o.max !== undefined && v > o.max) fail(at, `${v} is not less than or equal to ${o.max}`);
      return v;
    });
  },
  /** common.DropboxTimestamp: %Y-%m-%dT%H:%M:%SZ */
  timestamp: prim((v, at) => {
    if (typeof v !== 'string') fail(at, `expected timestamp, got ${typeName(v)}`);
    if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(v) || Number.isNaN(Date.parse(v))) {
      fail(at, `timestamp '${v}' does not match format '%Y-%m-%dT%H:%M:%SZ'`);
    }
    return v;
  }),
  list<T>(item: Ty<T>, o: { max?: number; min?: number } = {}): Ty<T[]> {
    return {
      kind: 'list',
      parse(v, at) {
        if (!Array.isArray(v)) fail(at, `expected list, got ${typeName(v)}`);
        if (o.max !== undefined && v.length > o.max) fail(at, `list has more than ${o.max} item(s)`);
        if (o.min !== undefined && v.length < o.min) fail(at, `list has fewer than ${o.min} item(s)`);
        return v.map((x, i) => item.parse(x, `${at}[${i}]`));
      },
    };
  },
  struct(fields: Record<string, Field | Ty>): Ty<Record<string, any>> {
    const spec: Record<string, Field> = {};
    for (const [k, f] of Object.entries(fields)) spec[k] = 'parse' in f ? { ty: f } : f;
    return {
      kind: 'struct',
      parse(v, at) {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(at, `expected object, got ${typeName(v)}`);
        const obj = v as Record<string, unknown>;
        for (const k of Object.keys(obj)) if (!(k in spec) && k !== '.tag') fail(at, `unknown field '${k}'`);
        const out: Record<string, any> = {};
        for (const [k, f] of Object.entries(spec)) {
          const x = obj[k];
          if (x === undefined || x === null) {
            if (f.default !== undefined) out[k] = f.default;
            else if (!f.optional) fail(at, `missing required field '${k}'`);
            continue;
          }
          out[k] = f.ty.parse(x, at ? `${at}.${k}` : k);
        }
        return out;
      },
    };
  },
  /** Members map to null (void) or a type. Struct-typed members are inlined. */
  union(members: Record<string, Ty | null>): Ty<UnionValue> {
    return {
      kind: 'union',
      parse(v, at) {
        if (typeof v === 'string') {
          if (!(v in members)) fail(at, `unknown tag '${v}'`);
          if (members[v] !== null) fail(at, `tag '${v}' needs a value`);
          return { tag: v };
        }
        if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(at, `expected union, got ${typeName(v)}`);
        const obj = v as Record<string, unknown>;
        const tg = obj['.tag'];
        if (typeof tg !== 'string') fail(at, `missing '.tag' key`);
        // Own keys only: a tag named 'constructor' is unknown, not Object's.
        const ty = Object.hasOwn(members, tg) ? members[tg] : undefined;
        if (ty === undefined) fail(at, `unknown tag '${tg}'`);
        const where = at ? `${at}.${tg}` : tg;
        if (ty === null) {
          for (const k of Object.keys(obj)) if (k !== '.tag') fail(at, `unexpected key '${k}' for void tag '${tg}'`);
          return { tag: tg };
        }
        if (ty.kind === 'struct') return { tag: tg, value: ty.parse(obj, at) };
        for (const k of Object.keys(obj)) if (k !== '.tag' && k !== tg) fail(at, `unknown field '${k}'`);
        if (obj[tg] === undefined) fail(at, `missing value for tag '${tg}'`);
        return { tag: tg, value: ty.parse(obj[tg], where) };
      },
    };
  },
};

export const opt = (ty: Ty): Field => ({ ty, optional: true });
export const dflt = (ty: Ty, value: unknown): Field => ({ ty, default: value });

/** A route's argument is null/absent for Void routes. */
export const VOID: Ty<null> = prim((v, at) =>
  v === null || v === undefined ? null : fail(at, `expected null, got ${typeName(v)}`),
);

/** Serialises for HTTP headers: 0x7F and every non-ASCII UTF-16 unit as \uXXXX. */
export function headerSafeJson(v: unknown): string {
  return JSON.stringify(v).replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}
