// RFC 4180 CSV: every field that needs it quoted, quotes doubled, CRLF line ends.
import type { Metadata } from '../api/types.ts';

export const CSV_COLUMNS = ['type', 'name', 'path', 'size', 'client_modified', 'server_modified', 'content_hash', 'id', 'rev'] as const;

export function csvField(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v);
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(values: readonly unknown[]): string {
  return values.map(csvField).join(',') + '\r\n';
}

export function entriesToCsv(entries: readonly Metadata[]): string {
  let out = csvRow(CSV_COLUMNS);
  for (const e of entries) {
    const f = e['.tag'] === 'file' ? e : undefined;
    out += csvRow([
      e['.tag'], e.name, e.path_display ?? e.path_lower, f?.size, f?.client_modified, f?.server_modified,
      f?.content_hash, 'id' in e ? e.id : undefined, f?.rev,
    ]);
  }
  return out;
}
