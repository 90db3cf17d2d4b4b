// list: the matches in a Dropbox folder, handed to the next task (download, delete)
// and optionally written to a JSON or CSV file.
import type { TaskOutput, TaskType } from '../../../src/plugin.ts';
import { writeFileAtomic } from '../../../src/plugin.ts';
import type { DropboxClient, Metadata } from '../api/types.ts';
import { expand, placeholderProblems, remotePathProblems, varsOf } from './common.ts';
import { entriesToCsv } from './csv.ts';
import { compileFilter, filterProblems, sortAndLimit, type FilterOptions } from './filters.ts';
import { resolveLocal } from './local-paths.ts';
import { listCandidates, type DateField, type EntryType } from './remote-entries.ts';
import { ResultBuilder } from './result.ts';
import { remoteOrThrow } from './remote-paths.ts';
import { listSchema } from './task-schemas.ts';

export interface ListOptions extends FilterOptions {
  path: string;
  type: EntryType;
  dateField: DateField;
  output?: { file: string; format: 'json' | 'csv' };
}

/** What list hands on: Dropbox metadata, and the folder they were listed from. */
export interface DropboxEntriesOutput extends TaskOutput {
  kind: 'dropbox-entries';
  items: Metadata[];
  /** The listed folder: paths of the items below it are kept by a following download. */
  root: string;
}

export const listTask: TaskType<ListOptions, DropboxClient> = {
  name: 'list',
  schema: listSchema,
  check(o) {
    return [
      ...filterProblems(o),
      ...remotePathProblems('path', o.path),
      ...placeholderProblems('output.file', o.output?.file),
    ];
  },
  async run(o, ctx) {
    const r = new ResultBuilder(ctx.connection);
    const vars = varsOf(ctx);
    const folder = remoteOrThrow(expand(o.path, ctx));
    const found = await listCandidates(ctx.connection, {
      folder,
      type: o.type,
      recursive: o.recursive === true,
      dateField: o.dateField,
      needFolderDates: !!(o.newerThan || o.olderThan || o.sort?.by === 'modified'),
      filter: compileFilter(o, vars.now, vars.timezone),
      signal: ctx.signal,
      onMissing: (folder) => r.warn(`${folder} does not exist: nothing to list`),
      onUnsafe: (path, why) => {
        r.warn(`skipped ${JSON.stringify(path)}: ${why}`);
        r.count('unsafe');
      },
    });
    const matches = sortAndLimit(
      found.sort((a, b) => (a.relPath < b.relPath ? -1 : 1)),
      o,
    );
    const items = matches.map((m) => m.meta);
    r.count('listed', items.length);
    for (const m of matches) r.act('list', m.path, m.folder ? 'folder matches' : 'file matches', m.size);
    if (o.output) {
      const file = resolveLocal(expand(o.output.file, ctx), vars.baseDir);
      const format = o.output.format;
      if (ctx.dryRun) r.act('write', file, `would write ${items.length} entries as ${format}`);
      else {
        await writeFileAtomic(
          file,
          format === 'csv' ? entriesToCsv(items) : JSON.stringify(items, null, 2) + '\n',
          0o644,
        );
        r.act('write', file, `${items.length} entries as ${format}`);
      }
    }
    const output: DropboxEntriesOutput = { kind: 'dropbox-entries', items, root: folder };
    return r.finish(output);
  },
};
