// RFC 4180 CSV: every field that needs it quoted, quotes doubled, CRLF line ends.
import type { Metadata } from '../api/types.ts';

export const CSV_COLUMNS = [
  'type',
  'name',
  'path',
  'size',
  'client_modified',
  'server_modified',
  'content_hash',
  'id',
  'rev',
] as const;

// Module constants, not literals in csvField: a regex literal is a new RegExp object
// each time it is evaluated, and a 100,000-entry report formats 900,000 fields (issue 13).
const FORMULA = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]|^\s|\s$/;
const QUOTE = /"/g;

export function csvField(v: unknown): string {
  if (v === undefined || v === null) return '';
  let s = String(v);
  // A Dropbox name like `=HYPERLINK(...)` would run as a formula when the report is
  // opened in a spreadsheet; a leading quote keeps text as text (OWASP CSV injection).
  if (typeof v === 'string' && FORMULA.test(s)) s = `'${s}`;
  return NEEDS_QUOTES.test(s) ? `"${s.replace(QUOTE, '""')}"` : s;
}

/**
 * One line, as one flat string: join() lays the fields out once, where `+` leaves a tree
 * of pieces (~600 bytes a row rather than ~200) in the rows a listing holds to sort them.
 */
export function csvRow(values: readonly unknown[]): string {
  const fields = values.map(csvField);
  if (!fields.length) return '\r\n';
  fields[fields.length - 1] += '\r\n'; // inside the join, so the line end is laid out with the rest
  return fields.join(',');
}

export function entriesToCsv(entries: readonly Metadata[]): string {
  let out = csvRow(CSV_COLUMNS);
  for (const e of entries) out += entryCsvRow(e);
  return out;
}

/** One entry's row under CSV_COLUMNS. */
export function entryCsvRow(e: Metadata): string {
  const f = e['.tag'] === 'file' ? e : undefined;
  return csvRow([
    e['.tag'],
    e.name,
    e.path_display ?? e.path_lower,
    f?.size,
    f?.client_modified,
    f?.server_modified,
    f?.content_hash,
    'id' in e ? e.id : undefined,
    f?.rev,
  ]);
}
