// Upload checkpoints: where a large upload's session stands, so that a run killed in the
// middle of a big file resumes the session instead of sending it again from byte 0.
// One small JSON file per (connection, local path, remote path), named by a hash of
// that key, written atomically after each acknowledged append. It records the file's
// identity (size, mtime, inode): a file that changed since starts clean. No hash state
// is kept: a resume re-reads the already-sent prefix from disk for the content_hash.
import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { readFile, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from '../../../src/plugin.ts';

interface CheckpointFile {
  sessionId: string;
  /** Bytes the session has acknowledged. */
  offset: number;
  size: number;
  mtimeMs: number;
  ino: number;
  /** For a person reading the directory; the file name is a hash. */
  localPath: string;
  remotePath: string;
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
          const text = await readFile(file, 'utf8').catch(() => undefined);
          if (text === undefined) return undefined;
          let cp: Partial<CheckpointFile> | undefined;
          try {
            cp = JSON.parse(text) as Partial<CheckpointFile>;
          } catch {
            cp = undefined;
          }
          const same =
            cp !== undefined &&
            typeof cp.sessionId === 'string' &&
            typeof cp.offset === 'number' &&
            cp.offset > 0 &&
            cp.offset < st.size &&
            cp.size === st.size &&
            cp.mtimeMs === st.mtimeMs &&
            cp.ino === st.ino;
          if (!same) {
            await remove();
            return undefined;
          }
          return { sessionId: cp!.sessionId!, offset: cp!.offset! };
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
          };
          await writeFileAtomic(file, JSON.stringify(cp) + '\n');
        },
        remove,
      };
    },
  };
}
