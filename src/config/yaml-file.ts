// Reads one YAML file into plain data while keeping a map back to line:col, and
// applies ${VAR} / ${VAR:-default} interpolation to every string value.
import { readFileSync, statSync } from 'node:fs';
import {
  parseDocument,
  LineCounter,
  isMap,
  isSeq,
  isScalar,
  isPair,
  Scalar,
  visit,
  isAlias,
  type Document,
  type Node,
  type ParsedNode,
} from 'yaml';
import type { ConfigProblem } from './problems.ts';

export type Env = Record<string, string | undefined>;
export type Segment = string | number;

export interface YamlFile {
  file: string;
  source: string;
  doc: Document.Parsed;
  lines: LineCounter;
  /** Plain data after interpolation; undefined when the file could not be parsed. */
  data: unknown;
  problems: ConfigProblem[];
  /** line:col of the node at `segs`, or of its nearest existing ancestor. */
  position(segs: Segment[], opts?: { key?: string }): { line: number; col: number };
}

const VAR = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}|\$\$\{/g;

/**
 * The largest config file read. Real ones are a few KiB; the bound keeps a hostile or
 * mistaken file (a log dropped into jobs/) from costing seconds of a hot reload.
 */
export const MAX_FILE_BYTES = 1024 * 1024;

export async function readYamlFile(file: string, env: Env = process.env): Promise<YamlFile> {
  // Read synchronously: through fs/promises (stat, open, fstat, read, close: a
  // thread-pool round trip each) 1,000 job files took half a second of a daemon start
  // on a busy machine; a sync read of a few KiB takes microseconds, less than parsing it.
  let source: string;
  try {
    const st = statSync(file);
    if (st.isDirectory()) return failed(file, '', 'cannot read file (EISDIR)');
    // A FIFO or a device would block the whole process on a sync read.
    if (!st.isFile()) return failed(file, '', 'cannot read file (not a regular file)');
    if (st.size > MAX_FILE_BYTES) {
      const mib = (st.size / 1024 / 1024).toFixed(1);
      return failed(file, '', `file is ${mib} MiB; a config file may be at most 1 MiB`);
    }
    source = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return failed(file, '', code === 'ENOENT' ? 'file not found' : `cannot read file (${code ?? String(err)})`);
  }
  return parseYaml(file, source, env);
}

function failed(file: string, source: string, message: string): YamlFile {
  const lines = new LineCounter();
  const doc = parseDocument('', { lineCounter: lines });
  return {
    file,
    source,
    doc,
    lines,
    data: undefined,
    problems: [{ file, line: 1, col: 1, path: '', message }],
    position: () => ({ line: 1, col: 1 }),
  };
}

export function parseYaml(file: string, source: string, env: Env = process.env): YamlFile {
  const lines = new LineCounter();
  // yaml's own uniqueKeys check compares every key with every other (5 s for 20,000
  // keys); keyProblems() below does the same in one pass.
  const doc = parseDocument(source, { lineCounter: lines, prettyErrors: false, uniqueKeys: false });
  const problems: ConfigProblem[] = [];
  const at = (offset: number) => {
    const p = lines.linePos(offset);
    return { line: p.line, col: p.col };
  };
  const position = (segs: Segment[], opts: { key?: string } = {}) => {
    let node = findNode(doc, segs, opts.key);
    for (let n = segs.length; node === undefined && n > 0; n--) node = findNode(doc, segs.slice(0, n - 1));
    const range = node?.range ?? (doc.contents as ParsedNode | null)?.range;
    return range ? at(range[0]) : { line: 1, col: 1 };
  };
  const result: YamlFile = { file, source, doc, lines, data: undefined, problems, position };

  for (const e of doc.errors) {
    // An unterminated quote is reported where the file ends; point at where it opened.
    let offset = e.pos[0];
    const quote = /closing (["'])quote/.exec(e.message)?.[1];
    if (e.code === 'MISSING_CHAR' && quote) offset = Math.max(0, source.lastIndexOf(quote, offset - 1));
    const { line, col } = at(offset);
    problems.push({ file, line, col, path: '', message: yamlMessage(e.code, e.message) });
  }
  for (const { offset, message } of keyProblems(doc)) problems.push({ file, ...at(offset), path: '', message });
  if (problems.length) return result;
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    problems.push({ file, line: 1, col: 1, path: '', message: 'file is empty' });
    return result;
  }
  interpolate(doc, source, env, (offset, message, path) => {
    const { line, col } = at(offset);
    problems.push({ file, line, col, path, message });
  });
  try {
    result.data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    // An alias bomb (aliases of aliases, expanding exponentially) or an alias of an
    // anchor that does not exist: point at the first alias, where the trouble starts.
    const alias = firstAlias(doc);
    const { line, col } = alias ? at(alias) : { line: 1, col: 1 };
    problems.push({ file, line, col, path: '', message: `invalid YAML: ${aliasMessage(err)}` });
  }
  return result;
}

function aliasMessage(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  if (/alias count/i.test(msg)) return 'too many aliases (an alias may be expanded at most 100 times in one file)';
  const name = /^Unresolved alias.*: (\S+)$/.exec(msg)?.[1];
  return name ? `alias *${name} refers to no anchor &${name}` : (msg.split('\n')[0] ?? msg);
}

/**
 * Keys no setting can have, in one walk of the document: a key repeating an earlier key
 * of the same mapping, and a key that is a list or a mapping (`? [a, b]: c`).
 */
function keyProblems(doc: Document.Parsed): Array<{ offset: number; message: string }> {
  const out: Array<{ offset: number; message: string }> = [];
  visit(doc, {
    Map(_key, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const k = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(k))
          out.push({ offset: (pair.key as ParsedNode | null)?.range?.[0] ?? 0, message: 'duplicate key' });
        else seen.add(k);
      }
    },
    Pair(_key, pair) {
      if (pair.key !== null && !isScalar(pair.key) && !isAlias(pair.key))
        out.push({
          offset: (pair.key as ParsedNode).range?.[0] ?? 0,
          message: 'a key must be a plain name, not a list or a mapping',
        });
    },
  });
  return out;
}

function firstAlias(doc: Document.Parsed): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

function yamlMessage(code: string, message: string): string {
  // yaml's messages end with a source excerpt after a newline; keep the first line.
  const first = message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
  if (code === 'DUPLICATE_KEY') return first.replace(/^Map keys must be unique.*$/, 'duplicate key');
  return `invalid YAML: ${first.charAt(0).toLowerCase()}${first.slice(1)}`;
}

function findNode(doc: Document.Parsed, segs: Segment[], key?: string): ParsedNode | undefined {
  let node: unknown = doc.contents;
  for (const s of segs) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(s));
      node = pair?.value ?? undefined;
    } else if (isSeq(node) && typeof s === 'number') {
      node = node.items[s];
    } else return undefined;
    if (node === undefined || node === null) return undefined;
  }
  if (key !== undefined) {
    if (!isMap(node)) return undefined;
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    return (pair?.key as ParsedNode | undefined) ?? undefined;
  }
  return node as ParsedNode;
}

/**
 * Replaces ${VAR} and ${VAR:-default} in string values (never in keys). `$${` is a
 * literal `${`. An unquoted value that is exactly one ${VAR} is re-read as a YAML
 * scalar, so `port: ${PORT}` yields a number.
 */
function interpolate(
  doc: Document.Parsed,
  source: string,
  env: Env,
  report: (offset: number, message: string, path: string) => void,
): void {
  const walk = (node: unknown, segs: Segment[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (isPair(pair) && isScalar(pair.key)) walk(pair.value, [...segs, String(pair.key.value)]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => walk(item, [...segs, i]));
    } else if (isScalar(node) && typeof node.value === 'string' && node.value.includes('${')) {
      const scalar = node as Scalar<string> & { range?: [number, number, number] };
      const raw = scalar.range ? source.slice(scalar.range[0], scalar.range[1]) : '';
      let whole = false;
      const replaced = scalar.value.replace(
        VAR,
        (match, name: string | undefined, def: string | undefined, offset: number) => {
          if (match === '$${') return '${';
          const value = env[name!];
          if (value !== undefined && value !== '') {
            whole = match.length === scalar.value.length;
            return value;
          }
          if (def !== undefined) {
            whole = match.length === scalar.value.length;
            return def;
          }
          const inRaw = raw.indexOf(match);
          const base = scalar.range?.[0] ?? 0;
          report(
            base + (inRaw >= 0 ? inRaw : 0),
            `environment variable ${name} is not set (referenced as ${match})`,
            formatSegs(segs),
          );
          void offset;
          return '';
        },
      );
      if (whole && scalar.type === Scalar.PLAIN) {
        const reread = parseDocument(replaced).contents;
        scalar.value = isScalar(reread) && reread.value !== null ? (reread.value as string) : replaced;
      } else scalar.value = replaced;
    }
  };
  walk(doc.contents, []);
}

function formatSegs(segs: Segment[]): string {
  return segs.map((s, i) => (typeof s === 'number' ? `[${s}]` : i ? `.${s}` : s)).join('');
}

export type { Node };
