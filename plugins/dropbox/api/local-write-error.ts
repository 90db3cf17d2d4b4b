// A download the local disk will not take (full, over quota, read-only, no permission,
// file too large) is the user's to fix, not the network's: one line naming the file and
// why, and no retry, which would fetch the same bytes only to fail the same way.
import { statfs } from 'node:fs/promises';
import { dirname } from 'node:path';
import { formatBytes } from '../../../src/plugin.ts';
import { DropboxError, LocalWriteError } from './errors.ts';

/** The failure as a LocalWriteError when it is one of these, else undefined. */
export async function localWriteError(
  err: unknown,
  localPath: string,
  neededBytes?: number,
): Promise<LocalWriteError | undefined> {
  // Only the file system's own errors: a NetworkError's code names a socket's trouble.
  if (err instanceof DropboxError) return undefined;
  const code = (err as { code?: unknown } | null | undefined)?.code;
  const dir = dirname(localPath);
  const size = neededBytes !== undefined ? formatBytes(neededBytes) : undefined;
  let message: string;
  switch (code) {
    case 'ENOSPC':
    case 'EDQUOT': {
      const what = code === 'ENOSPC' ? 'no space left on device' : 'disk quota exceeded';
      message = `${what} writing ${localPath} (${size ? `needs ${size}, ` : ''}${await freeIn(dir)} free)`;
      break;
    }
    case 'EROFS':
      message = `read-only file system: cannot write ${localPath}`;
      break;
    case 'EACCES':
    case 'EPERM':
      message = `permission denied writing ${localPath} (the user running dropcron cannot write to ${dir})`;
      break;
    case 'EFBIG':
      message = `the file system cannot hold a file this large: ${localPath}${size ? ` (${size})` : ''}`;
      break;
    default:
      return undefined;
  }
  return new LocalWriteError(message, { route: 'files/download', tags: ['local', code], cause: err });
}

/** Free space for unprivileged users, measured after the partial file is gone. */
async function freeIn(dir: string): Promise<string> {
  try {
    const s = await statfs(dir);
    return formatBytes(s.bavail * s.bsize);
  } catch {
    return 'unknown';
  }
}
