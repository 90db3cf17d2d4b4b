// Seeded mutations of the shipped config, connection and job files, for the fuzz suite:
// values of the wrong type and size, unicode, deep nesting, anchors and aliases, huge
// numbers and ranges, cron and time zone garbage, path tricks, and raw text damage.
import fc from 'fast-check';
import { isMap, isScalar, isSeq, parseDocument, type Node } from 'yaml';

const CRON = [
  '1-99999999999 * * * *',
  '0-100000000 * * * *',
  '*/0 * * * *',
  '* * * * * * *',
  '61 * * * *',
  '0 0 31 2 *',
  'L W # ? *',
  '0 0 * * 1#9',
  '@reboot',
  '',
  '* * * *',
  '1-5/99999 * * * *',
  '0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30 * * * *',
];
const ZONES = ['Mars/Olympus', '', 'UTC+25', '../../etc/localtime', 'Europe/Berlin\u0000', 'A'.repeat(300)];
const PATHS = [
  '',
  '/',
  '..',
  '../../../../etc/passwd',
  '/a/../../b',
  'C:\\Windows',
  '/\u0000x',
  '//x//',
  '~/x',
  '/'.repeat(5000),
];
const DURATIONS = ['0s', '-1s', '99999999999999d', '1y', '1.5h', 'forever', '30', '1e308s'];
const NUMBERS = [0, -1, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, 0.5, 65536, 1e21, NaN, Infinity];
const STRINGS = [
  '${DROPCRON_ADMIN_PASSWORD}',
  '${NOT_SET}',
  '$${literal}',
  '${',
  'javascript:alert(1)',
  'file:///etc/passwd',
  'gopher://x',
  'http://127.0.0.1:3128',
  'a b',
  '\u202e\u0000\uffff\ud800',
  '😀'.repeat(1000),
  'x'.repeat(100_000),
  'yes',
  'null',
  '~',
];

/** Deep nesting as flow text: building it as nodes would overflow the test's own stack. */
function nested(depth: number, kind: 'map' | 'seq'): string {
  return kind === 'map' ? '{k: '.repeat(depth) + 'leaf' + '}'.repeat(depth) : '['.repeat(depth) + ']'.repeat(depth);
}

/** A value that a field may be set to. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...CRON, ...ZONES, ...PATHS, ...DURATIONS, ...STRINGS),
  fc.constantFrom(...NUMBERS),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.array(fc.oneof(fc.string({ maxLength: 8 }), fc.integer()), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 8 }), fc.string({ maxLength: 8 }), { maxKeys: 4 }),
  // A description, built into the value by mutate(): fast-check prints failing inputs,
  // and printing 3,000 levels of nesting overflows its stack.
  fc.record({ nested: fc.integer({ min: 1, max: 3000 }), kind: fc.constantFrom('map' as const, 'seq' as const) }),
);

const NESTED = '__fuzz_nested__';
const isNested = (v: unknown): v is { nested: number; kind: 'map' | 'seq' } =>
  typeof v === 'object' && v !== null && 'nested' in v && 'kind' in v;
const build = (v: unknown): unknown => (isNested(v) ? NESTED : v);

/** Text damage: YAML syntax that changes meaning or breaks parsing. */
const SNIPPETS = [
  '&a ',
  '*a',
  '*nope',
  ': ',
  '- ',
  '{',
  '[',
  '"',
  "'",
  '\t',
  '\u0000',
  '\ufeff',
  '${X}',
  '%YAML 1.1\n---\n',
  '\n---\n',
  '!!binary ',
  '!!js/function ',
  '<<: *a\n',
  '? ',
  '|\n',
  '\n  ',
  '#',
];

function bomb(levels: number): string {
  const rows = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= levels; i++)
    rows.push(
      `a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return rows.join('\n') + '\n';
}

export type Mutation =
  | { kind: 'set'; at: number; value: unknown }
  | { kind: 'delete'; at: number }
  | { kind: 'add'; at: number; key: string; value: unknown }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'truncate'; at: number }
  | { kind: 'replace'; text: string };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('set' as const), at: fc.nat(), value: hostileValue }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      at: fc.nat(),
      key: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('name', 'schedule', 'tasks', '<<', '__proto__')),
      value: hostileValue,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('insert' as const),
      at: fc.nat(),
      text: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ maxLength: 6 })),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant('replace' as const),
      text: fc.oneof(
        fc.integer({ min: 1, max: 6 }).map(bomb),
        fc.integer({ min: 1, max: 20_000 }).map((n) => '['.repeat(n)),
        fc.integer({ min: 1, max: 20_000 }).map((n) => Array.from({ length: n }, (_, i) => `k${i}: ${i}`).join('\n')),
        fc.string({ unit: 'binary', maxLength: 200 }),
        fc.constantFrom('', '---', '~', '[]', '42', '"just a string"'),
      ),
    }),
  },
);

/** The paths of every node in a document, parents before children. */
function paths(node: unknown, at: Array<string | number> = [], out: Array<Array<string | number>> = []) {
  out.push(at);
  if (isMap(node)) {
    for (const pair of node.items) if (isScalar(pair.key)) paths(pair.value, [...at, String(pair.key.value)], out);
  } else if (isSeq(node)) node.items.forEach((item, i) => paths(item, [...at, i], out));
  return out;
}

/** Applies mutations in order; a structural one that no longer parses falls back to text. */
export function mutate(text: string, mutations: Mutation[]): string {
  for (const m of mutations) {
    if (m.kind === 'insert') {
      const at = m.at % (text.length + 1);
      text = text.slice(0, at) + m.text + text.slice(at);
      continue;
    }
    if (m.kind === 'truncate') {
      text = text.slice(0, m.at % (text.length + 1));
      continue;
    }
    if (m.kind === 'replace') {
      text = m.text;
      continue;
    }
    const doc = parseDocument(text, { uniqueKeys: false });
    if (doc.errors.length) continue;
    const all = paths(doc.contents);
    const path = all[m.at % all.length]!;
    if (m.kind === 'set') {
      if (path.length) doc.setIn(path, doc.createNode(build(m.value)) as Node);
      else doc.contents = doc.createNode(build(m.value)) as typeof doc.contents;
    } else if (m.kind === 'delete') {
      if (path.length) doc.deleteIn(path);
    } else {
      const target = path.length ? doc.getIn(path, true) : doc.contents;
      if (isMap(target)) target.set(doc.createNode(m.key), doc.createNode(build(m.value)));
      else if (isSeq(target)) target.add(doc.createNode(build(m.value)));
    }
    try {
      text = String(doc);
    } catch {
      continue; // the edit left an alias without its anchor: yaml cannot print that
    }
    const value = 'value' in m ? m.value : undefined;
    if (isNested(value)) text = text.replace(NESTED, nested(value.nested, value.kind));
  }
  return text;
}
