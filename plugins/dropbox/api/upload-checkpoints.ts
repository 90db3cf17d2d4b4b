// Upload checkpoints: where a large upload's session stands, so that a run killed in the
// middle of a big file resumes the session instead of sending it again from byte 0.
// One small JSON file per (connection, local path, remote path), named by a hash of
// that key, written atomically after each acknowledged append. It records the file's
// identity (size, mtime, inode): a file that changed since starts clean. No hash state
// is kept: a resume re-reads the already-sent prefix from disk for the content_hash.
// Checkpoints that can no longer be resumed (the file deleted or changed, the session
// past Dropbox's lifetime, a torn write left by a kill) are swept from the directory
// the first time a connection looks for one.
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { readdir, readFile, stat, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../../src/plugin.ts';

/** Dropbox keeps an upload session for 7 days; an older checkpoint names a dead session. */
export const SESSION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;
/** A temp file of writeFileAtomic older than this was left by a killed write, not one in flight. */
const ABANDONED_TEMP_MS = 10 * 60 * 1000;

interface CheckpointFile {
  sessionId: string;
  /** Bytes the session has acknowledged. */
  offset: number;
  size: number;
  mtimeMs: number;
  ino: number;
  /** For a person reading the directory (the file name is a hash), and for the sweep. */
  localPath: string;
  remotePath: string;
  /** When the session last took a chunk (ms since the epoch). */
  savedAt: number;
}

/** Where one session stands. */
export interface SessionPoint {
  sessionId: string;
  offset: number;
}

/** The checkpoint of one upload (one file to one remote path, as the file is now). */
export interface CheckpointSlot {
  /** The saved point if the file is unchanged since it was saved; a stale one is removed. */
  resume(): Promise<SessionPoint | undefined>;
  save(p: SessionPoint): Promise<void>;
  remove(): Promise<void>;
}

export interface UploadCheckpoints {
  slot(localPath: string, remotePath: string, st: Stats): CheckpointSlot;
}

/** Checkpoints kept in `dir` (e.g. <state>/upload-sessions) for one connection. */
export function uploadCheckpointsIn(dir: string, connection: string): UploadCheckpoints {
  let swept: Promise<unknown> | undefined;
  return {
    slot(localPath, remotePath, st) {
      const abs = resolve(localPath);
      const name = createHash('sha256')
        .update(JSON.stringify([connection, abs, remotePath]))
        .digest('hex');
      const file = join(dir, `${name}.json`);
      const remove = () => unlink(file).catch(() => {});
      return {
        async resume() {
          swept ??= sweepCheckpoints(dir).catch(() => []);
          await swept;
          const cp = await readCheckpoint(file);
          if (!cp) return undefined;
          if (!resumable(cp, st, Date.now())) {
            await remove();
            return undefined;
          }
          return { sessionId: cp.sessionId, offset: cp.offset };
        },
        async save(p) {
          const cp: CheckpointFile = {
            sessionId: p.sessionId,
            offset: p.offset,
            size: st.size,
            mtimeMs: st.mtimeMs,
            ino: st.ino,
            localPath: abs,
            remotePath,
            savedAt: Date.now(),
          };
          await writeFileAtomic(file, JSON.stringify(cp) + '\n');
        },
        remove,
      };
    },
  };
}

/** What `file` holds: undefined when it does not exist, {} when it is not a checkpoint (torn, foreign). */
async function readCheckpoint(file: string): Promise<Partial<CheckpointFile> | undefined> {
  const text = await readFile(file, 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null ? (v as Partial<CheckpointFile>) : {};
  } catch {
    return {};
  }
}

/** Whether the checkpoint still describes `st` (the file as it is now) and a session that can still live. */
function resumable(cp: Partial<CheckpointFile>, st: Stats, now: number): cp is CheckpointFile {
  return (
    typeof cp.sessionId === 'string' &&
    typeof cp.offset === 'number' &&
    cp.offset > 0 &&
    cp.offset < st.size &&
    cp.size === st.size &&
    cp.mtimeMs === st.mtimeMs &&
    cp.ino === st.ino &&
    // A checkpoint written before savedAt was recorded counts as fresh: the server decides.
    !(typeof cp.savedAt === 'number' && now - cp.savedAt > SESSION_LIFETIME_MS)
  );
}

/**
 * Removes from `dir` the checkpoints no upload can resume: the local file is gone or
 * changed, the session is older than Dropbox keeps one, or the file is not a checkpoint;
 * and the temp files of writes a kill cut short. A checkpoint of another connection is
 * judged the same way: these facts do not depend on the connection. Returns the paths removed.
 */
export async function sweepCheckpoints(dir: string, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const path = join(dir, name);
    let stale: boolean;
    if (name.endsWith('.tmp')) {
      const st = await stat(path).catch(() => undefined);
      stale = st !== undefined && now - st.mtimeMs > ABANDONED_TEMP_MS;
    } else if (name.endsWith('.json')) {
      const cp = await readCheckpoint(path);
      if (!cp) continue; // removed meanwhile (finished or resumed elsewhere)
      const local = typeof cp.localPath === 'string' ? await stat(cp.localPath).catch(() => undefined) : undefined;
      stale = !local || !resumable(cp, local, now);
    } else continue;
    if (
      stale &&
      (await unlink(path).then(
        () => true,
        () => false,
      ))
    )
      removed.push(path);
  }
  return removed;
}
