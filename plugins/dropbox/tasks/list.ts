// list: the matches in a Dropbox folder, handed to the next task (download, delete)
// and optionally written to a JSON or CSV file.
import { writeFileAtomic, type TaskOutput, type TaskType } from '../../../src/plugin.ts';
import type { DropboxClient, Metadata } from '../api/types.ts';
import { expand, placeholderProblems, remotePathProblems, varsOf } from './common.ts';
import { CSV_COLUMNS, csvRow, entryCsvRow } from './csv.ts';
import { candidateOrder, compileFilter, filterProblems, type FilterOptions } from './filters.ts';
import { resolveLocal } from './local-paths.ts';
import { eachCandidate, HAND_ON_MAX, type DateField, type EntryType } from './remote-entries.ts';
import { ResultBuilder } from './result.ts';
import { linkProblems, withLinks, type LinkOption } from './links.ts';
import { remoteOrThrow } from './remote-paths.ts';
import { SortedRows, type Order } from './sorted-rows.ts';
import { listSchema } from './task-schemas.ts';

export interface ListOptions extends FilterOptions {
  path: string;
  type: EntryType;
  dateField: DateField;
  output?: { file: string; format: 'json' | 'csv' };
  link?: LinkOption;
}

/** What list hands on: Dropbox metadata, and the folder they were listed from. */
export interface DropboxEntriesOutput extends TaskOutput {
  kind: 'dropbox-entries';
  /** Empty when more matched than HAND_ON_MAX (then `matched` says how many). */
  items: Metadata[];
  /** The listed folder: paths of the items below it are kept by a following download. */
  root: string;
  /** Set when the matches were too many to hand on: how many there were. */
  matched?: number;
}

export const listTask: TaskType<ListOptions, DropboxClient> = {
  name: 'list',
  schema: listSchema,
  check(o) {
    return [
      ...filterProblems(o),
      ...remotePathProblems('path', o.path),
      ...placeholderProblems('output.file', o.output?.file),
      ...linkProblems(o.link),
    ];
  },
  async run(o, ctx) {
    const r = new ResultBuilder(ctx.connection);
    const vars = varsOf(ctx);
    const folder = remoteOrThrow(expand(o.path, ctx));
    // Matches go into a bounded external sort as the pages arrive, so the report keeps
    // today's order (by path, or as sort/limit ask) without holding the listing.
    const file = o.output && resolveLocal(expand(o.output.file, ctx), vars.baseDir);
    const format = o.output?.format ?? 'json';
    const writing = !!file && !ctx.dryRun;
    // Past HAND_ON_MAX matches nothing is handed on unless the limit keeps no more than
    // that: from then on an entry keeps only its report row, and its metadata dies young.
    const limitHandsOn = o.limit !== undefined && o.limit <= HAND_ON_MAX;
    let matched = 0;
    const compact = (v: Listed, meta?: Metadata): Listed => ({
      path: v.path,
      size: v.size,
      meta,
      row: v.row ?? (writing ? reportRow(format, v.meta!) : undefined),
    });
    // A spilled entry keeps its metadata (as JSON) while it may still be handed on, and
    // it is read back only if it is: when all matches are within HAND_ON_MAX, or the limit is.
    const sorted = new SortedRows<Listed>({
      order: reportOrder(o),
      limit: o.limit,
      toFields: (v) => listedFields(compact(v, v.meta)),
      fromFields: (f) => fieldsListed(f, limitHandsOn || matched <= HAND_ON_MAX),
    });
    try {
      await eachCandidate(
        ctx.connection,
        {
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
        },
        (c) => {
          const v: Listed = { path: c.path, size: c.folder ? undefined : c.size, meta: c.meta };
          return sorted.add(c, ++matched > HAND_ON_MAX && !limitHandsOn ? compact(v) : v);
        },
      );
    } catch (err) {
      await sorted.discard();
      throw err;
    }

    let items: Metadata[] | undefined = [];
    let listed = 0;
    let listedBytes = 0;
    const frame = reportFrame(format);
    // The report's text comes a batch of matches at a time (see SortedRows.batches), in
    // pieces of at least REPORT_PIECE characters: one await per piece, not per entry.
    const report = async function* (): AsyncGenerator<string> {
      let text = frame.start;
      for await (const batch of sorted.batches()) {
        for (const v of batch) {
          listed++;
          if (listed <= HAND_ON_MAX) {
            if (v.meta) items?.push(v.meta);
            r.act('list', v.path, v.size === undefined ? 'folder matches' : 'file matches', v.size);
          } else {
            items = undefined;
            listedBytes += v.size ?? 0;
          }
          if (writing) text += frame.before(listed === 1) + (v.row ?? reportRow(format, v.meta!));
        }
        if (text.length >= REPORT_PIECE) {
          yield text;
          text = '';
        }
      }
      yield text + frame.end(listed === 0);
    };
    if (file && writing) await writeFileAtomic(file, report(), 0o644);
    else for await (const _ of report());
    r.count('listed', listed);
    if (listed > HAND_ON_MAX) {
      r.act(
        'list',
        folder,
        `${listed - HAND_ON_MAX} more matches (only the first ${HAND_ON_MAX} are shown and handed on)`,
        listedBytes,
      );
    }
    if (file) r.act('write', file, `${ctx.dryRun ? 'would write ' : ''}${listed} entries as ${format}`);
    const output: DropboxEntriesOutput = { kind: 'dropbox-entries', items: items ?? [], root: folder };
    if (!items) output.matched = listed;
    if (!o.link || ctx.dryRun) return r.finish(output);
    if (output.matched) r.warn(`no links made: ${listed} matches are more than the ${HAND_ON_MAX} handed on`);
    return r.finish({
      ...(await withLinks(o.link, output.items, folder, r, ctx)),
      ...(output.matched ? { matched: output.matched } : {}),
    });
  },
};

/** By path, code unit by code unit: the order without sort or limit, and among entries they rank equal. */
const byPath: Order = (a, b) => (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0);

/**
 * The report's order. The entries used to be sorted by path and then (stably) as sort
 * asks, so entries that rank equal (two undated folders by date: NaN) stayed in path
 * order; a merge of runs needs that said outright.
 */
export function reportOrder(o: Pick<ListOptions, 'sort' | 'limit'>): Order {
  const order = candidateOrder(o);
  return order ? (a, b) => order(a, b) || byPath(a, b) : byPath;
}

/** A match on its way to the report: its metadata until spilled, then what the report and the actions need. */
interface Listed {
  path: string;
  /** Undefined for a folder. */
  size?: number;
  meta?: Metadata;
  /** The report row (reportRow), made when the metadata was let go. */
  row?: string;
}

/** A spilled match as text fields: its metadata as JSON only while it may still be handed on. */
function listedFields(v: Listed): string[] {
  return [v.path, v.size === undefined ? '' : String(v.size), v.row ?? '', v.meta ? JSON.stringify(v.meta) : ''];
}

/** listedFields read back, the metadata only when asked for ('' is never a row: a row ends with a line end). */
function fieldsListed([path, size, row, meta]: string[], withMeta: boolean): Listed {
  return {
    path: path!,
    size: size ? Number(size) : undefined,
    row: row || undefined,
    meta: withMeta && meta ? (JSON.parse(meta) as Metadata) : undefined,
  };
}

/** Report text is written in pieces of about this many characters (under V8's large-object size). */
const REPORT_PIECE = 32 * 1024;

/** One entry's text in the report: a CSV row, or an element of the JSON array as JSON.stringify(all, null, 2) indents it. */
function reportRow(format: 'json' | 'csv', e: Metadata): string {
  return format === 'csv' ? entryCsvRow(e) : `  ${JSON.stringify(e, null, 2).replace(/\n/g, '\n  ')}`;
}

/** The report file's text around its rows: the CSV header, or the JSON array's brackets and commas. */
function reportFrame(format: 'json' | 'csv'): {
  start: string;
  before(first: boolean): string;
  end(empty: boolean): string;
} {
  if (format === 'csv') return { start: csvRow(CSV_COLUMNS), before: () => '', end: () => '' };
  return { start: '', before: (first) => (first ? '[\n' : ',\n'), end: (empty) => (empty ? '[]\n' : '\n]\n') };
}
