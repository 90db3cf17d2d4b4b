// Part files: a download in progress is written to `.<name>.<rev>.<owner>.dropcron-part`
// beside its target. The rev says which version of the Dropbox file the bytes are a
// prefix of, so a later download of that same rev resumes from them instead of starting
// over. The owner (`<pid>-<n>`: the process and which of its downloads) says whether
// anyone is writing the file now. Ownership is decided by pid, not by age: a part left by
// `kill -9` must be resumable by the very next run, seconds later, and a slow download
// that has not written for minutes must not be taken from a live process. Within this
// process (the daemon runs several jobs) the set of downloads in flight decides.
// A pid can be reused: after a kill -9 and a restart (a container starts with the same
// few pids) the part's pid may belong to another live process, and the part would be
// neither resumed nor removed, ever. The name has no room for the owner's start time, so
// a bound on age decides there: a live download writes its part as bytes come, and one
// untouched for PART_STALE_MS is no download in progress, whoever has that pid now.
// A download in several ranges (download-ranges.ts) writes `.<name>.<rev>.<owner>.ranged.dropcron-part`:
// its bytes are not a prefix, and a record at its end says which are there (range-record.ts).
import { open, readdir, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { processAlive } from '../../../src/plugin.ts';

const SUFFIX = '.dropcron-part';
/** Marks a part written in ranges: it carries a record of them after its bytes. */
const RANGED = '.ranged';
/** The name may hold dots; rev and owner cannot. */
const PART = /^\.(.+)\.([0-9A-Za-z]+)\.(\d+)-(\d+)(\.ranged)?\.dropcron-part$/;
/** Stands for the rev until the first answer names it (a caller that did not list it). */
const UNKNOWN_REV = 'unknown';
/** Part files of earlier versions carry no owner: only an old one is known to be abandoned. */
const LEGACY_ABANDONED_MS = 60 * 60 * 1000;
/** A part no one has written for this long is abandoned even if its pid runs (reused). */
export const PART_STALE_MS = 6 * 60 * 60 * 1000;

/** Owners whose download runs in this process now. */
const held = new Set<string>();
let seq = 0;

/** Whether `name` is a part file: never uploaded, never listed as a local file. */
export function isPartFile(name: string): boolean {
  return name.startsWith('.') && name.endsWith(SUFFIX);
}

interface ParsedPart {
  base: string;
  rev: string;
  pid: number;
  owner: string;
  ranged: boolean;
}

function parsePart(name: string): ParsedPart | undefined {
  const m = PART.exec(name);
  if (!m) return undefined;
  return { base: m[1]!, rev: m[2]!, pid: Number(m[3]), owner: `${m[3]}-${m[4]}`, ranged: m[5] !== undefined };
}

/**
 * No live download writes it: its process is gone, or it is this process's and not in
 * flight, or its pid runs but the part has not been written for PART_STALE_MS (reused).
 */
async function ownerless(p: ParsedPart, path: string, now = Date.now()): Promise<boolean> {
  if (p.pid === process.pid) return !held.has(p.owner);
  if (!processAlive(p.pid)) return true;
  const st = await stat(path).catch(() => undefined);
  return st !== undefined && now - st.mtimeMs > PART_STALE_MS;
}

/** A part file this download owns: opened, and positioned after any bytes it resumes from. */
export interface OwnedPart {
  path: string;
  fh: FileHandle;
  /** Bytes already there, from an earlier download of the same rev (a ranged part: and its record). */
  size: number;
  /** The rev its name says it holds. */
  rev: string | undefined;
  /** Its name says it holds ranges and their record, not a prefix. */
  ranged: boolean;
  /** Renames it for the rev the bytes now come from (the file changed, or the rev was not known) and their layout. */
  relabel(rev: string, ranged: boolean): Promise<void>;
  /** The download no longer writes it (finished, failed or kept for a later resume). */
  release(): void;
}

/**
 * Opens the part file for `localPath`. With the listed `rev`, an ownerless part of that
 * rev is claimed (renamed to this owner: of two claimants only one rename succeeds) and
 * resumed; ownerless parts of other revs hold a version Dropbox no longer serves there
 * and are removed.
 */
export async function openPart(localPath: string, rev: string | undefined): Promise<OwnedPart> {
  const dir = dirname(localPath);
  const base = basename(localPath);
  const owner = `${process.pid}-${++seq}`;
  held.add(owner);
  const nameFor = (r: string | undefined, ranged: boolean) =>
    join(dir, `.${base}.${r ?? UNKNOWN_REV}.${owner}${ranged ? RANGED : ''}${SUFFIX}`);
  try {
    let ranged = false;
    let path = nameFor(rev, ranged);
    let size = 0;
    let fh: FileHandle | undefined;
    if (rev !== undefined) {
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        const p = parsePart(name);
        if (!p || p.base !== base || !(await ownerless(p, join(dir, name)))) continue;
        if (p.rev !== rev || fh) {
          await unlink(join(dir, name)).catch(() => {});
          continue;
        }
        ranged = p.ranged;
        path = nameFor(rev, ranged);
        const claimed = await rename(join(dir, name), path).then(
          () => true,
          () => false, // another run claimed it first
        );
        if (!claimed) {
          ranged = false;
          path = nameFor(rev, ranged);
          continue;
        }
        fh = await open(path, 'r+');
        size = (await fh.stat()).size;
      }
    }
    fh ??= await open(path, 'wx', 0o600);
    const part: OwnedPart = {
      get path() {
        return path;
      },
      fh,
      size,
      rev,
      ranged,
      async relabel(r: string, isRanged: boolean) {
        const next = nameFor(r, isRanged);
        await rename(path, next);
        path = next;
        part.rev = r;
        part.ranged = isRanged;
      },
      release: () => held.delete(owner),
    };
    return part;
  } catch (err) {
    held.delete(owner);
    throw err;
  }
}

/**
 * Removes the part files in `dirs` that no download owns and `keep` does not claim
 * (keep: target path and rev of a file the caller is still downloading). Returns the
 * paths removed.
 */
export async function removeOrphanParts(
  dirs: Iterable<string>,
  keep: (localPath: string, rev: string) => boolean,
  now = Date.now(),
): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of dirs) {
    for (const name of await readdir(dir).catch(() => [] as string[])) {
      if (!isPartFile(name)) continue;
      const path = join(dir, name);
      const p = parsePart(name);
      if (p) {
        if (!(await ownerless(p, path, now)) || keep(join(dir, p.base), p.rev)) continue;
      } else {
        const st = await stat(path).catch(() => undefined);
        if (!st?.isFile() || now - st.mtimeMs < LEGACY_ABANDONED_MS) continue;
      }
      if (
        await unlink(path).then(
          () => true,
          () => false,
        )
      )
        removed.push(path);
    }
  }
  return removed;
}
