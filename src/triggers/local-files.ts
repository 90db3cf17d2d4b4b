// What the `local` trigger hands on: the files that arrived in a local folder. Defined
// once here, in the core, so a task of any plugin can take it as its input (upload
// sends exactly these files) without knowing the trigger.
import type { TaskOutput } from '../plugin.ts';

export const LOCAL_FILES = 'local-files';

export interface LocalFileItem {
  /** Absolute path. */
  path: string;
  /** Path under the watched folder, '/'-separated. */
  relative: string;
  size: number;
  /** ISO date-time of the file's last modification. */
  modified: string;
}

export interface LocalFilesOutput extends TaskOutput {
  kind: typeof LOCAL_FILES;
  /** The watched folder (absolute). */
  root: string;
  items: LocalFileItem[];
}

/** `input` as local files, or undefined when it is something else (or nothing). */
export function localFilesOf(input: TaskOutput | undefined): LocalFileItem[] | undefined {
  return input?.kind === LOCAL_FILES ? (input.items as LocalFileItem[]) : undefined;
}
