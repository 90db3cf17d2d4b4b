// A download that cannot be written locally (disk full, read-only file system, no
// permission) is the user's disk, not the network: it fails at once with one line naming
// the file, Dropbox is asked once, and nothing is left behind. As root (CI) each case
// mounts a small tmpfs and unmounts it again; otherwise a folder without write
// permission stands in, the one case an ordinary user can make.
import { describe, it, expect, beforeAll, afterAll, afterEach } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator } from '../../plugins/dropbox/emulator/index.ts';
import { LocalWriteError } from '../../plugins/dropbox/api/errors.ts';
import { localWriteError } from '../../plugins/dropbox/api/local-write-error.ts';
import { makeClient, tempDir, pattern, type Emu } from './helpers.ts';

const MiB = 1024 * 1024;
let emu: Emu;
let tmp: Awaited<ReturnType<typeof tempDir>>;
const mounted: string[] = [];

beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  tmp = await tempDir();
  const src = await tmp.file('big.bin', pattern(4 * MiB));
  await makeClient(emu).client.upload(src, '/disk/big.bin', { mode: 'overwrite' });
});
afterEach(async () => {
  for (const dir of mounted.splice(0)) execFileSync('umount', [dir]);
  await chmod(join(tmp.dir, 'locked'), 0o755).catch(() => {});
});
afterAll(async () => {
  await emu?.close();
  await tmp?.cleanup();
});

/** A 1 MiB tmpfs (read-only when asked), unmounted after the test. */
async function tmpfs(name: string, ro: boolean): Promise<string> {
  const dir = join(tmp.dir, name);
  await mkdir(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=1m${ro ? ',ro' : ''}`, 'tmpfs', dir]);
  mounted.push(dir);
  return dir;
}

interface Case {
  name: string;
  dir: () => Promise<string>;
  message: (target: string) => string;
  /** files/download calls made: the temp file is opened before the first. */
  downloads: number;
}
const asRoot: Case[] = [
  {
    name: 'a full disk (ENOSPC)',
    dir: () => tmpfs('full', false),
    message: (t) => `no space left on device writing ${t} (needs 4.0 MiB, 1.0 MiB free)`,
    downloads: 1,
  },
  {
    name: 'a read-only file system (EROFS)',
    dir: () => tmpfs('ro', true),
    message: (t) => `read-only file system: cannot write ${t}`,
    downloads: 0,
  },
];
const asUser: Case[] = [
  {
    name: 'a folder without write permission (EACCES)',
    dir: async () => {
      const dir = join(tmp.dir, 'locked');
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o555);
      return dir;
    },
    message: (t) => `permission denied writing ${t} (the user running dropcron cannot write to ${join(t, '..')})`,
    downloads: 0,
  },
];

describe('a download the local disk cannot hold', () => {
  it.each(process.getuid?.() === 0 ? asRoot : asUser)('$name fails at once, unretried', async (c) => {
    const dir = await c.dir();
    const target = join(dir, 'big.bin');
    const n = emu.requests.length;
    const err = await makeClient(emu)
      .client.download('/disk/big.bin', target)
      .catch((e) => e);
    expect(err).toBeInstanceOf(LocalWriteError);
    expect(err.message).toBe(c.message(target));
    expect(err.retryable).toBe(false);
    expect(emu.requests.slice(n).filter((r) => r.route === 'files/download')).toHaveLength(c.downloads);
    expect(await readdir(dir)).toEqual([]);
  });

  it('says what each local write failure is', async () => {
    const target = join(tmp.dir, 'out.bin');
    await writeFile(target, 'x'); // statfs needs an existing folder, which this has
    const fail = (code: string) => localWriteError(Object.assign(new Error(code), { code }), target, 3 * MiB);
    expect((await fail('EDQUOT'))?.message).toMatch(
      new RegExp(`^disk quota exceeded writing ${target} \\(needs 3\\.0 MiB, [\\d.]+ [KMGT]?i?B free\\)$`),
    );
    expect((await fail('EACCES'))?.message).toBe(
      `permission denied writing ${target} (the user running dropcron cannot write to ${tmp.dir})`,
    );
    expect((await fail('EFBIG'))?.message).toBe(`the file system cannot hold a file this large: ${target} (3.0 MiB)`);
    expect(await fail('ECONNRESET')).toBeUndefined();
  });
});
