// One normaliser for Dropbox paths, applied before any request so a bad path fails
// with a message naming it instead of a 400 from Dropbox. The bytes of a name are
// kept as given (no NFC/NFD folding: Dropbox stores what it receives, and folding
// would create a second file next to the first); only trailing slashes go, and the
// root is '' where a route accepts it ('/' is a 400 for list_folder).
import { InvalidPathError } from './errors.ts';

/**
 * - 'root-ok': list_folder, search scope: '' (root) allowed.
 * - 'read':    get_metadata, download: no root; rev: allowed.
 * - 'write':   upload, create_folder, delete, copy/move: no root, no rev:.
 */
export type PathUse = 'root-ok' | 'read' | 'write';

const MAX_COMPONENT = 255;

export function normalizePath(input: unknown, use: PathUse, route: string): string {
  if (typeof input !== 'string') throw new InvalidPathError(String(input), 'a path must be a string', route);
  const raw = input;
  if (/^id:/.test(raw)) {
    if (raw.length <= 3) throw new InvalidPathError(raw, "'id:' needs the file id after it", route);
    return raw;
  }
  if (/^rev:/.test(raw)) {
    if (use !== 'read') throw new InvalidPathError(raw, 'a rev: path can only be read', route);
    if (!/^rev:[0-9a-f]{9,}$/.test(raw))
      throw new InvalidPathError(raw, "'rev:' must be followed by at least 9 hex digits", route);
    return raw;
  }
  let p = raw;
  let prefix = '';
  const ns = /^(ns:[-_0-9a-zA-Z:]+?)(\/.*)?$/s.exec(raw);
  if (ns) {
    prefix = ns[1]!;
    p = ns[2] ?? '';
  } else if (!raw.startsWith('/') && raw !== '') {
    throw new InvalidPathError(raw, "must start with '/' (use '' for the root), or be an id:, ns: or rev: path", route);
  }
  while (p.length > 1 && p.endsWith('/')) p = p.slice(0, -1);
  if (p === '/') p = '';
  if (p === '' && prefix === '' && use !== 'root-ok') {
    throw new InvalidPathError(raw, 'this operation needs a file or folder, not the root', route);
  }
  if (p !== '') {
    const parts = p.slice(1).split('/');
    for (const c of parts) {
      if (c === '') throw new InvalidPathError(raw, "contains an empty component ('//')", route);
      if (c === '.' || c === '..')
        throw new InvalidPathError(raw, `contains a '${c}' component; Dropbox paths are absolute`, route);
      if ([...c].length > MAX_COMPONENT)
        throw new InvalidPathError(raw, `a name is longer than ${MAX_COMPONENT} characters`, route);
    }
    if (raw.includes('\0')) throw new InvalidPathError(raw, 'contains a NUL character', route);
    if (/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(raw)) {
      throw new InvalidPathError(raw, 'contains a lone surrogate (not valid UTF-8)', route);
    }
  }
  return prefix + p;
}
