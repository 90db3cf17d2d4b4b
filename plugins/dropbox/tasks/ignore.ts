// Names Dropbox refuses or silently ignores (DROPBOX-API §7, PAINPOINTS L5). Uploading
// them would fail the run for files nobody wants backed up, so they are skipped with
// a warning instead.

const REFUSED = new Set(['desktop.ini', 'thumbs.db', '.ds_store', 'icon\r', '.dropbox', '.dropbox.attr']);

/** Why Dropbox would refuse `name`, or undefined when it is fine. */
export function refusedName(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (REFUSED.has(lower)) return `Dropbox does not store '${printable(name)}'`;
  if (name.startsWith('~$')) return `'${name}' is an Office lock/temp file (~$), which Dropbox ignores`;
  if (/[ .]$/.test(name)) return `'${name}' ends with a space or a dot, which Dropbox refuses`;
  if (/[\\\0]/.test(name) || /[\ud800-\udfff]/.test(name.replace(/[\ud800-\udbff][\udc00-\udfff]/g, ''))) {
    return `'${printable(name)}' contains a character Dropbox cannot store (backslash, NUL or invalid UTF-16)`;
  }
  if ([...name].length > 255) return `'${name.slice(0, 40)}…' is longer than 255 characters`;
  return undefined;
}

function printable(s: string): string {
  return s.replace(/[\0-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
