// The one error model for configuration: every problem names file:line:col, the
// path inside the document, and what is wrong, on one line.
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
  return `${shown}:${p.line}:${p.col} ${p.path ? p.path + ' ' : ''}${p.message}`;
}

/** Thrown when a whole configuration cannot be used; carries every problem found. */
export class ConfigError extends Error {
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
