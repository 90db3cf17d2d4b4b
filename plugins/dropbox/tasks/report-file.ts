// A report file written piece by piece, atomically: into a temp file beside it, synced,
// renamed over the target, the folder synced. The same steps as the core's
// writeFileAtomic, which takes the whole content at once; a 100,000-entry listing is
// written as its rows come, so it is never one string in memory.
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Text is written in pieces of about this size. */
const WRITE_BYTES = 256 * 1024;

export async function writeReportFile(file: string, pieces: AsyncIterable<string>, mode: number): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(tmp, 'wx', mode);
  try {
    let buf = '';
    for await (const p of pieces) {
      buf += p;
      if (buf.length >= WRITE_BYTES) {
        await fh.write(buf);
        buf = '';
      }
    }
    if (buf) await fh.write(buf);
    await fh.chmod(mode); // umask may have narrowed or widened the open() mode
    await fh.sync();
    await fh.close();
    await rename(tmp, file);
  } catch (err) {
    await fh.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw err;
  }
  const dh = await open(dir, 'r');
  try {
    await dh.sync();
  } finally {
    await dh.close();
  }
}
