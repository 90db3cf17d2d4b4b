// Local side of transfers: where relative paths are anchored, walking source folders,
// and turning remote names into local paths that can never land outside the target.
import { lstat, opendir, readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, resolve, sep } from 'node:path';
import type { Candidate } from './filters.ts';
import { isPartFile } from '../api/part-files.ts';

/**
 * Relative local paths are relative to the directory of config.yaml. The runner passes
 * it as vars.baseDir; until it does, the working directory (where `npm start` runs,
 * beside config.yaml) stands in.
 */
export function resolveLocal(p: string, baseDir: string | undefined): string {
  return isAbsolute(p) ? resolve(p) : resolve(baseDir ?? process.cwd(), p);
}

export interface LocalFile extends Candidate {
  abs: string;
  size: number;
  modified: Date;
}

export interface WalkOptions {
  /** Whether to enter a sub folder (relative path). */
  descend(relFolder: string): boolean;
  warn(message: string): void;
  signal?: AbortSignal;
}

/**
 * Yields every regular file under `root` (relative paths with '/'), folders in name
 * order. Symbolic links to folders are not followed (loops, escaping the tree); a link
 * to a file is treated as that file. Part files of downloads are never yielded, whatever
 * the masks: they are unfinished copies, not the user's files.
 */
export async function* walkLocal(root: string, opts: WalkOptions, rel = ''): AsyncGenerator<LocalFile> {
  const dir = rel ? join(root, ...rel.split('/')) : root;
  const names: string[] = [];
  for await (const d of await opendir(dir)) names.push(d.name);
  names.sort();
  for (const name of names) {
    opts.signal?.throwIfAborted();
    if (isPartFile(name)) continue;
    const r = rel ? `${rel}/${name}` : name;
    const abs = join(dir, name);
    let st = await lstat(abs).catch(() => undefined);
    if (!st) continue; // vanished while walking
    if (st.isSymbolicLink()) {
      const target = await stat(abs).catch(() => undefined);
      if (!target) {
        opts.warn(`skipped ${abs}: broken symbolic link`);
        continue;
      }
      if (target.isDirectory()) {
        opts.warn(`skipped ${abs}: symbolic link to a folder is not followed`);
        continue;
      }
      st = target;
    }
    if (st.isDirectory()) {
      if (opts.descend(r)) yield* walkLocal(root, opts, r);
    } else if (st.isFile()) {
      yield { abs, relPath: r, folder: false, size: st.size, modified: st.mtime };
    }
  }
}

/** `root` and every folder under it (symbolic links not followed); none when it is missing. */
export async function foldersUnder(root: string): Promise<string[]> {
  const out: string[] = [];
  const dirs = [root];
  for (let dir = dirs.pop(); dir !== undefined; dir = dirs.pop()) {
    const entries = await readdir(dir, { withFileTypes: true }).catch(() => undefined);
    if (!entries) continue;
    out.push(dir);
    for (const e of entries) if (e.isDirectory()) dirs.push(join(dir, e.name));
  }
  return out;
}

const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;

/**
 * Why a remote name cannot be written locally as-is, or undefined when it is safe.
 * Dropbox names come from a server (or whoever shares a folder with us): anything
 * that could climb out of the target folder or mean something special is refused.
 */
export function unsafeNameReason(name: string, platform: NodeJS.Platform = process.platform): string | undefined {
  if (name === '') return 'empty name';
  if (name === '.' || name === '..') return `'${name}' would leave the target folder`;
  if (name.includes('/') || name.includes('\\')) return 'contains a path separator';
  if (name.includes('\0')) return 'contains a NUL character';
  if (/[\x01-\x1f\x7f]/.test(name)) return 'contains a control character';
  if (platform === 'win32') {
    if (/[<>:"|?*]/.test(name)) return 'contains a character Windows does not allow (<>:"|?*)';
    if (WINDOWS_RESERVED.test(name)) return 'is a reserved device name on Windows';
    if (/[ .]$/.test(name)) return 'ends with a space or a dot, which Windows drops';
  }
  if (Buffer.byteLength(name) > 255) return 'is longer than 255 bytes';
  return undefined;
}

/**
 * The local path for `relRemote` (e.g. 'a/b.txt') under `targetDir`, or the reason it
 * is refused. Every part is checked, and the result is re-checked to be inside the
 * target, so no name can write outside it whatever it contains.
 */
export function localPathFor(
  targetDir: string,
  relRemote: string,
  platform: NodeJS.Platform = process.platform,
): { path: string } | { problem: string } {
  if (relRemote.startsWith('/')) return { problem: 'is an absolute path' };
  const parts = relRemote.split('/');
  for (const part of parts) {
    const why = unsafeNameReason(part, platform);
    if (why) return { problem: `'${printable(part)}' ${why}` };
  }
  const root = resolve(targetDir);
  const full = resolve(root, ...parts);
  if (!full.startsWith(root + sep)) return { problem: 'would resolve outside the target folder' };
  return { path: full };
}

function printable(s: string): string {
  return s.replace(/[\0-\x1f\x7f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
