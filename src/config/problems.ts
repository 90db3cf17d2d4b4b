// The one error model for configuration: every problem names file:line:col, the
// path inside the document, and what is wrong, on one line.
import { coreErrors } from '../errors.ts';
import { relative } from 'node:path';

export interface ConfigProblem {
  file: string;
  line: number;
  col: number;
  /** Dotted path inside the document, e.g. `tasks[0].upload.overwrite`; empty for the whole file. */
  path: string;
  message: string;
}

export function formatProblem(p: ConfigProblem, cwd = process.cwd()): string {
  const rel = relative(cwd, p.file) || p.file;
  const shown = rel.startsWith('..') ? p.file : rel;
  return oneLineText(`${shown}:${p.line}:${p.col} ${p.path ? p.path + ' ' : ''}${p.message}`);
}

/**
 * Control characters escaped (`\u000d`): a problem quotes what the file says, and a
 * value or key holding a line break must not break the one line a problem is.
 */
function oneLineText(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Problems shown per file. A file with 50,000 unknown keys is one mistake (the wrong
 * file, or a generator gone wrong); the first 20 say what it is, the count says how big.
 */
export const MAX_PROBLEMS_PER_FILE = 20;

/** The first MAX_PROBLEMS_PER_FILE problems of one file, plus one line counting the rest. */
export function capProblems(problems: ConfigProblem[]): ConfigProblem[] {
  if (problems.length <= MAX_PROBLEMS_PER_FILE) return problems;
  const shown = problems.slice(0, MAX_PROBLEMS_PER_FILE);
  const { file } = shown[0]!;
  const more = problems.length - MAX_PROBLEMS_PER_FILE;
  return [...shown, { file, line: 1, col: 1, path: '', message: `and ${more} more problems in this file` }];
}

/** Thrown when a whole configuration cannot be used; carries every problem found. */
export class ConfigError extends Error {
  readonly code = 'DC_CONFIG_INVALID';
  readonly kind = coreErrors.DC_CONFIG_INVALID.kind;
  constructor(readonly problems: ConfigProblem[]) {
    super(problems.map((p) => formatProblem(p)).join('\n'));
    this.name = 'ConfigError';
  }
}

/** Path segments (`['tasks', 0, 'upload']`) as `tasks[0].upload`. */
export function formatPath(segs: ReadonlyArray<string | number>): string {
  let out = '';
  for (const s of segs) {
    if (typeof s === 'number') out += `[${s}]`;
    else out += out ? `.${s}` : s;
  }
  return out;
}
