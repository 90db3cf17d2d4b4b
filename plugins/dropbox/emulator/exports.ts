// Files Dropbox cannot hand over as stored bytes (is_downloadable: false), only through
// files/export. In the sandbox these are Paper docs: any file named *.paper, its stored
// bytes being the doc as Markdown (seed them with files: or emulator.files.put).
import { esc as escapeHtml } from './oauth.ts';

export interface ExportFormat {
  /** The extension the exported file's name gets. */
  ext: string;
  render(markdown: string): string;
}

const FORMATS: Record<string, ExportFormat> = {
  markdown: { ext: 'md', render: (md) => md },
  html: { ext: 'html', render: toHtml },
  plain_text: { ext: 'txt', render: (md) => md.replace(/^#{1,6}\s+/gm, '').replace(/[*_`]/g, '') },
};

/** What get_metadata's export_info says: the default format first. */
export const PAPER_EXPORT = { export_as: 'markdown', export_options: Object.keys(FORMATS) };

export function isExportOnly(name: string): boolean {
  return name.toLowerCase().endsWith('.paper');
}

export function exportFormat(format: string): ExportFormat | undefined {
  return Object.hasOwn(FORMATS, format) ? FORMATS[format] : undefined;
}

/** "Plan.paper" exported as html is "Plan.html". */
export function exportedName(name: string, f: ExportFormat): string {
  return name.replace(/\.paper$/i, '') + '.' + f.ext;
}

/** Enough Markdown for the sandbox's docs: headings and paragraphs. */
function toHtml(md: string): string {
  const blocks = md
    .split(/\n{2,}/)
    .map((b) => b.trim())
    .filter(Boolean)
    .map((b) => {
      const h = /^(#{1,6})\s+(.*)$/s.exec(b);
      return h ? `<h${h[1]!.length}>${escapeHtml(h[2]!)}</h${h[1]!.length}>` : `<p>${escapeHtml(b)}</p>`;
    });
  return `<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>\n${blocks.join('\n')}\n</body></html>\n`;
}
