// download's `export`: files Dropbox can only hand over through files/export (Paper
// docs, is_downloadable false) are exported in the chosen format or skipped. Neither
// fails the run: such a file is not what a backup of files is about, so a refused
// export is a warning, like any other file the task leaves out with a reason.
import type { TaskContext } from '../../../src/plugin.ts';
import type { DropboxClient, FileMetadata } from '../api/types.ts';
import { rethrowIfAborted } from './common.ts';
import type { ResultBuilder } from './result.ts';

export type ExportChoice = 'markdown' | 'html' | 'skip';

/** The extension an exported file's local name gets, by format. */
const EXTENSIONS: Record<Exclude<ExportChoice, 'skip'>, string> = { markdown: 'md', html: 'html' };

/** Where and how `meta` is exported to (its local name, extension replaced), or why not. */
export function exportPlan(
  meta: FileMetadata,
  choice: ExportChoice,
  local: string,
): { local: string; format: string } | { skip: string } {
  if (choice === 'skip') return { skip: 'not downloadable (export: skip)' };
  const offered = meta.export_info?.export_options ?? (meta.export_info?.export_as ? [meta.export_info.export_as] : []);
  if (!meta.export_info) return { skip: 'not downloadable, and Dropbox offers no export of it' };
  if (offered.length && !offered.includes(choice))
    return { skip: `not downloadable, and Dropbox exports it only as ${offered.join(', ')}, not ${choice}` };
  const ext = EXTENSIONS[choice];
  return { local: local.replace(/(\.[^./\\]*)?$/, `.${ext}`), format: choice };
}

/** Exports one file; a refusal is a warning and a skip, never a failure of the task. */
export async function exported(
  path: string,
  format: string,
  local: string,
  r: ResultBuilder,
  ctx: TaskContext<DropboxClient>,
): Promise<void> {
  try {
    const got = await ctx.connection.export(path, format, local, { signal: ctx.signal });
    r.count('exported');
    r.moved(got.size);
  } catch (err) {
    rethrowIfAborted(ctx.signal, err);
    const why = err instanceof Error ? err.message : String(err);
    r.warn(`skipped ${path}: the export as ${format} failed: ${why}`);
    r.count('skipped');
    r.act('skip', path, `export failed: ${why}`);
  }
}
