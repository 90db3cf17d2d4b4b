// Dropbox paths as tasks write them in YAML: '' or '/' is the root, otherwise they
// start with '/', never end with one, and have no '.'/'..' parts (DROPBOX-API §7).

import { pluginError } from '../error-codes.ts';

/** The canonical form ('' for the root), or a message saying what is wrong. */
export function normalizeRemote(p: string): { path: string } | { problem: string } {
  let s = p.trim() === '' ? '' : p;
  if (s !== '' && !s.startsWith('/'))
    return { problem: `'${p}' must start with '/' (Dropbox paths are absolute; '/' is the root)` };
  while (s.endsWith('/')) s = s.slice(0, -1);
  if (s === '') return { path: '' };
  for (const part of s.slice(1).split('/')) {
    if (part === '') return { problem: `'${p}' contains an empty part ('//')` };
    if (part === '.' || part === '..') return { problem: `'${p}' contains '${part}'; Dropbox paths are absolute` };
  }
  return { path: s };
}

/**
 * Like normalizeRemote, and also `ns:<namespace id>[/path]`: a folder named by its namespace
 * (a team folder, a member folder), as files.stone's path patterns allow (the id is digits
 * there). Only copy and move take it: they resolve it to a path before listing.
 */
export function normalizeNamespaced(p: string): { path: string } | { problem: string } {
  const ns = namespaceOf(p);
  if (!ns) {
    if (p.startsWith('ns:')) return { problem: `'${p}' must be ns:<namespace id> (digits), then optionally /path` };
    return normalizeRemote(p);
  }
  const rest = normalizeRemote(ns.rest);
  return 'problem' in rest ? rest : { path: ns.ns + rest.path };
}

/** `ns:<id>` and the path after it, when `p` starts with a namespace. */
export function namespaceOf(p: string): { ns: string; rest: string } | undefined {
  const m = /^(ns:[0-9]+)(\/.*)?$/s.exec(p);
  return m ? { ns: m[1]!, rest: m[2] ?? '' } : undefined;
}

export function remoteOrThrow(p: string): string {
  const r = normalizeRemote(p);
  if ('problem' in r) throw pluginError('DBX_TASK_INPUT', r.problem);
  return r.path;
}

export function joinRemote(folder: string, rel: string): string {
  return rel === '' ? folder : `${folder}/${rel}`;
}

/** `rel` of `full` below `folder`, compared case-insensitively (Dropbox is); undefined when outside. */
export function relativeRemote(folder: string, full: string): string | undefined {
  if (folder === '') return full.startsWith('/') ? full.slice(1) : undefined;
  const f = folder.toLowerCase();
  const l = full.toLowerCase();
  if (l === f) return '';
  return l.startsWith(f + '/') ? full.slice(folder.length + 1) : undefined;
}

/** A case-insensitive key for comparing paths, the way Dropbox compares them. */
export function caseKey(p: string): string {
  return p.normalize('NFC').toLowerCase();
}
