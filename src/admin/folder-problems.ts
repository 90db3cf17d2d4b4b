// The loader's problems in one folder's files (connections/ or jobs/), shaped for the
// admin lists: the file by its name alone, the path inside it joined to the message.
import { basename, dirname } from 'node:path';
import type { LoadedConfig } from '../config/load.ts';

export interface FolderProblem {
  file: string;
  line: number;
  col: number;
  message: string;
}

export function folderProblems(loaded: LoadedConfig, dir: string): FolderProblem[] {
  return loaded.problems
    .filter((p) => dirname(p.file) === dir)
    .map((p) => ({
      file: basename(p.file),
      line: p.line,
      col: p.col,
      message: `${p.path ? p.path + ' ' : ''}${p.message}`,
    }));
}
