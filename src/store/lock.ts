// A lock file beside a file that several processes rewrite (the daemon and a
// `dropcron run` both append to a job's history): read-modify-write under it, so
// neither loses the other's change. O_EXCL creation is atomic on local file systems.
import { coreError } from '../errors.ts';
import { open, stat, unlink } from 'node:fs/promises';

/** A lock older than this is left over from a crashed process and is taken over. */
const STALE_MS = 30_000;
const WAIT_MS = 15;
const GIVE_UP_MS = 10_000;

/**
 * Runs `fn` holding `<file>.lock`, which another dropcron process holds while it does the
 * same; waits for it (taking over a stale one), and gives up after GIVE_UP_MS.
 */
export async function withLockFile<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  const started = Date.now();
  for (;;) {
    try {
      const fh = await open(lock, 'wx', 0o600);
      await fh.writeFile(String(process.pid));
      await fh.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > STALE_MS) {
        await unlink(lock).catch(() => {});
        continue;
      }
      if (Date.now() - started > GIVE_UP_MS)
        throw coreError('DC_LOCKED', `${file} is locked by another dropcron process (${lock}); try again`, {
          cause: err,
        });
      await new Promise((r) => setTimeout(r, WAIT_MS));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lock).catch(() => {});
  }
}
