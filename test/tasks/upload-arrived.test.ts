// upload with a `local` trigger's files as its input: exactly those files, named as a
// walk of `from` names them, filtered by the task's masks; nothing else in the folder.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { uploadTask } from '../../plugins/dropbox/tasks/upload.ts';
import { LOCAL_FILES, type LocalFilesOutput } from '../../src/triggers/local-files.ts';
import { remoteSnapshot, startHarness, type Harness } from './harness.ts';

let h: Harness;
let src: string;
let n = 0;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());
beforeEach(async () => {
  src = join(h.dir, `inbox-${++n}`);
  await mkdir(src, { recursive: true });
});

async function put(root: string, rel: string, content: string) {
  const p = join(root, ...rel.split('/'));
  await mkdir(join(p, '..'), { recursive: true });
  await writeFile(p, content);
  return p;
}

/** The files under `to`, by relative path, with their content. */
async function uploaded(to: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of Object.keys(await remoteSnapshot(h.client, to))) {
    const content = await h.emu.files.get('sandy', path);
    if (content) out[path.slice(to.length + 1)] = content.toString(); // folders have none
  }
  return out;
}

/** What the trigger would hand on for these files under `root`. */
async function arrived(root: string, rels: string[]): Promise<LocalFilesOutput> {
  const items = await Promise.all(
    rels.map(async (rel) => {
      const path = join(root, ...rel.split('/'));
      const st = await stat(path);
      return { path, relative: rel, size: st.size, modified: st.mtime.toISOString() };
    }),
  );
  return { kind: LOCAL_FILES, root, items };
}

describe('upload of arrived files', () => {
  it('uploads only the files handed on, keeping their relative paths, and deletes them when asked', async () => {
    await put(src, 'old.txt', 'was there');
    const a = await put(src, 'a.txt', 'a');
    await put(src, 'sub/b.txt', 'b');
    const input = await arrived(src, ['a.txt', 'sub/b.txt']);
    const to = `/arrived-${n}`;
    const res = await h.run(uploadTask, { from: src, to, recursive: true, deleteSource: true }, { input });
    expect(res.counts).toMatchObject({ uploaded: 2, deletedSource: 2 });
    expect(await uploaded(to)).toEqual({ 'a.txt': 'a', 'sub/b.txt': 'b' });
    await expect(stat(a)).rejects.toThrow();
    await expect(stat(join(src, 'old.txt'))).resolves.toBeDefined();
  });

  it("applies the task's masks and recursion, skips a file gone since, and leaves files outside `from` alone", async () => {
    await put(src, 'keep.txt', 'k');
    await put(src, 'skip.bin', 's');
    await put(src, 'sub/deep.txt', 'd');
    const gone = await put(src, 'gone.txt', 'g');
    const other = join(h.dir, `other-${n}`);
    await put(other, 'x.txt', 'x');
    const input = await arrived(src, ['keep.txt', 'skip.bin', 'sub/deep.txt', 'gone.txt']);
    input.items.push(...(await arrived(other, ['x.txt'])).items);
    await rm(gone);
    const to = `/masked-${n}`;
    const res = await h.run(uploadTask, { from: src, to, include: '*.txt' }, { input });
    expect(res.counts).toMatchObject({ uploaded: 1 });
    expect(await uploaded(to)).toEqual({ 'keep.txt': 'k' });
    expect(res.warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`skipped ${gone}: it arrived but is no longer there`),
        expect.stringContaining(`1 arrived file(s) not under \`from\` left alone, e.g. ${join(other, 'x.txt')}`),
      ]),
    );
  });

  it('walks the folder as before without input', async () => {
    await put(src, 'one.txt', '1');
    await put(src, 'two.txt', '2');
    const to = `/plain-${n}`;
    const res = await h.run(uploadTask, { from: src, to });
    expect(res.counts).toMatchObject({ uploaded: 2 });
  });
});
