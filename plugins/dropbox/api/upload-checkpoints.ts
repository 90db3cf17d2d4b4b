// Upload checkpoints: where a large upload's session stands, so that a run killed in the
// middle of a big file resumes the session instead of sending it again from byte 0.
// One small JSON value per (connection, local path, remote path) in a checkpoint area
// of the store (file store: <state>/upload-sessions/<hash of that key>.json; postgres:
// a row, so another daemon of the cluster resumes it), written after each acknowledged
// append. It records the file's identity (size, mtime, inode): a file that changed
// since starts clean. No hash state is kept: a resume re-reads the already-sent prefix
// from disk for the content_hash. Checkpoints that can no longer be resumed (the file
// deleted or changed, the session past Dropbox's lifetime, a value that is not a
// checkpoint) are swept from the area the first time a connection looks for one.
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { CheckpointArea } from '../../../src/plugin.ts';

/** The store's checkpoint area of this plugin's upload sessions. */
export const UPLOAD_SESSIONS = 'upload-sessions';

/** Dropbox keeps an upload session for 7 days; an older checkpoint names a dead session. */
export const SESSION_LIFETIME_MS = 7 * 24 * 60 * 60 * 1000;

interface CheckpointFile {
  sessionId: string;
  /** Bytes the session has acknowledged. */
  offset: number;
  size: number;
  mtimeMs: number;
  ino: number;
  /** For a person reading the area (the key is a hash), and for the sweep. */
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

/** The checkpoints of one connection's uploads, kept in `area`. */
export function uploadCheckpointsIn(area: CheckpointArea, connection: string): UploadCheckpoints {
  let swept: Promise<unknown> | undefined;
  return {
    slot(localPath, remotePath, st) {
      const abs = resolve(localPath);
      const key = createHash('sha256')
        .update(JSON.stringify([connection, abs, remotePath]))
        .digest('hex');
      const remove = () => area.delete(key).then(() => {});
      return {
        async resume() {
          swept ??= sweepCheckpoints(area).catch(() => []);
          await swept;
          const text = await area.get(key);
          if (text === undefined) return undefined;
          const cp = parseCheckpoint(text);
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
          await area.put(key, JSON.stringify(cp) + '\n');
        },
        remove,
      };
    },
  };
}

/** What a stored value holds: {} when it is not a checkpoint (torn, foreign). */
function parseCheckpoint(text: string): Partial<CheckpointFile> {
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
 * Removes from `area` the checkpoints no upload can resume: the local file is gone or
 * changed, the session is older than Dropbox keeps one, or the value is not a
 * checkpoint. A checkpoint of another connection is judged the same way: these facts
 * do not depend on the connection. Returns the keys removed.
 */
export async function sweepCheckpoints(area: CheckpointArea, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  for (const { key, value } of await area.list()) {
    const cp = parseCheckpoint(value);
    const local = typeof cp.localPath === 'string' ? await stat(cp.localPath).catch(() => undefined) : undefined;
    // Removed meanwhile (finished, or resumed elsewhere): delete() says so, and it is not counted.
    if ((!local || !resumable(cp, local, now)) && (await area.delete(key))) removed.push(key);
  }
  return removed;
}
