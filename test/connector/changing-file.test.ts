// A file still being written while it uploads: the upload fails with one line that
// says so, and nothing is committed.
import { describe, it, expect } from 'vitest';
import { truncate } from 'node:fs/promises';
import { startEmulator } from '../../plugins/dropbox/emulator/index.ts';
import { IntegrityError } from '../../plugins/dropbox/api/errors.ts';
import { makeClient, tempDir, pattern } from './helpers.ts';

describe('a local file that changes during its upload', () => {
  it('fails with a clear message and leaves nothing in Dropbox', async () => {
    const emu = await startEmulator({ port: 0 });
    const tmp = await tempDir();
    try {
      const { client } = makeClient(emu, { account: 'sandy' }, { chunkSize: 4 * 1024 * 1024 });
      const file = await tmp.file('growing.log', pattern(12 * 1024 * 1024));
      emu.faults.set({ bandwidthBytesPerSec: 8 * 1024 * 1024 });
      let cut = false;
      const err = await client
        .upload(file, '/logs/growing.log', {
          onProgress: (done) => {
            if (!cut && done > 1024 * 1024) {
              cut = true;
              void truncate(file, 5 * 1024 * 1024); // the writer rotates the log
            }
          },
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(IntegrityError);
      expect((err as Error).message).toMatch(
        /^files\/upload_session\/finish: .*growing\.log changed while it was being uploaded \(12582912 bytes at the start, 5242880 now\); nothing was committed/,
      );
      expect((err as Error).message).not.toContain('\n');
      expect(await emu.files.get('sandy', '/logs/growing.log')).toBeUndefined();
    } finally {
      emu.faults.set({ bandwidthBytesPerSec: undefined });
      await tmp.cleanup();
      await emu.close();
    }
  });
});
