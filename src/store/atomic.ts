// Every file the daemon persists goes through here, so a crash or power cut leaves
// either the old file or the new one, never a torn one.
import { open, rename, mkdir, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';

export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;

/** Creates `dir` (and parents) with mode 0700 if missing. */
export async function ensureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: DIR_MODE });
}

/**
 * Pieces of streamed content are gathered into writes of about this size: under V8's
 * large-object size (128 KiB), so each write's text is young garbage rather than old
 * garbage that waits for a full GC (a 19 MB report made 75 such strings at 256 KiB).
 */
const WRITE_BYTES = 64 * 1024;

/**
 * Writes `data` to `file` atomically: temp file in the same directory (so rename
 * never crosses file systems), fsync, rename over the target, fsync the directory
 * so the rename itself survives a crash. Files are 0600. `data` may come in pieces
 * (an async iterable of text), written as they come: a 100,000-row report is then
 * never one string in memory.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array | AsyncIterable<string>,
  mode = FILE_MODE,
): Promise<void> {
  const dir = dirname(file);
  await ensureDir(dir);
  const tmp = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', mode);
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) await fh.writeFile(data);
    else await writePieces(fh, data);
    await fh.chmod(mode); // umask may have narrowed or widened the open() mode
    await fh.sync();
  } catch (err) {
    await fh.close();
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fh.close();
  try {
    await rename(tmp, file);
  } catch (err) {
    await unlink(tmp).catch(() => {});
    throw err;
  }
  await fsyncDir(dir);
}

async function writePieces(fh: FileHandle, pieces: AsyncIterable<string>): Promise<void> {
  let buf = '';
  for await (const p of pieces) {
    buf += p;
    if (buf.length >= WRITE_BYTES) {
      await fh.write(buf);
      buf = '';
    }
  }
  if (buf) await fh.write(buf);
}

export async function fsyncDir(dir: string): Promise<void> {
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}

/** Writes JSON atomically. */
export async function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(value, null, 2) + '\n');
}
