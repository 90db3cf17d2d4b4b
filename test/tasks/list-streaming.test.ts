// The list task streams a big listing (an external sort spilled to temp files) and
// must still write exactly what holding every entry wrote: the same rows in the same
// order, the same JSON. The oracle below is that old way: collect, sort, serialise.
// Memory is measured by the bench, never asserted here.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listTask, reportOrder, type DropboxEntriesOutput } from '../../plugins/dropbox/tasks/list.ts';
import { downloadTask } from '../../plugins/dropbox/tasks/download.ts';
import { deleteTask } from '../../plugins/dropbox/tasks/delete.ts';
import { entriesToCsv } from '../../plugins/dropbox/tasks/csv.ts';
import { HAND_ON_MAX } from '../../plugins/dropbox/tasks/remote-entries.ts';
import { CHUNK_ROWS, SortedRows } from '../../plugins/dropbox/tasks/sorted-rows.ts';
import { sortAndLimit, type Candidate } from '../../plugins/dropbox/tasks/filters.ts';
import type { Metadata } from '../../plugins/dropbox/api/types.ts';
import { remoteTree, startHarness, type Harness } from './harness.ts';

let h: Harness;
// More entries than CHUNK_ROWS, so the listing is spilled in runs and merged, and more
// than HAND_ON_MAX, so nothing is handed on.
const FOLDERS = 13;
const PER_FOLDER = 1000;
beforeAll(async () => {
  h = await startHarness();
  const paths: string[] = [];
  // Names whose code-unit order differs from the listing's (f10 < f9, 'B' < 'a').
  for (let d = 0; d < FOLDERS; d++)
    for (let i = 0; i < PER_FOLDER; i++) paths.push(`/big/${d % 2 ? 'B' : 'a'}${d}/f${i}${i % 7 ? '.txt' : '.csv'}`);
  await h.emu.files.putMany('sandy', paths, 'same bytes');
  await h.emu.files.put('sandy', '/big/a0/x, "quoted"\nname.txt', '=formula');
});
afterAll(async () => h.close());

/** What the task wrote before it streamed: every match held, sorted by path, serialised at once. */
async function oracle(folder: string, keep: (m: Metadata) => boolean): Promise<Metadata[]> {
  const all = [...(await remoteTree(h.client, folder)).values()].filter(keep);
  const rel = (m: Metadata) => (m.path_display ?? m.path_lower)!.slice(folder.length + 1);
  return all.sort((a, b) => (rel(a) < rel(b) ? -1 : 1));
}

const spillDirs = async () => (await readdir(tmpdir())).filter((n) => n.startsWith('dropcron-rows-'));

describe('list streams a big listing', () => {
  it('writes the same CSV and JSON as holding every entry did, and hands nothing on past the cap', async () => {
    const total = FOLDERS * PER_FOLDER + 1 + FOLDERS;
    expect(total).toBeGreaterThan(CHUNK_ROWS);
    expect(total).toBeGreaterThan(HAND_ON_MAX);
    const before = await spillDirs();
    const csvFile = join(h.dir, 'big.csv');
    const res = await h.run(listTask, {
      path: '/big',
      recursive: true,
      type: 'all',
      output: { file: csvFile, format: 'csv' },
    });
    const expected = await oracle('/big', () => true);
    expect(expected).toHaveLength(total);
    expect(await readFile(csvFile, 'utf8')).toBe(entriesToCsv(expected));
    expect(res.counts.listed).toBe(total);

    const out = res.output as DropboxEntriesOutput;
    expect(out.items).toEqual([]);
    expect(out.matched).toBe(total);
    // One action per entry up to the cap, one for the rest, one for the file.
    expect(res.actions).toHaveLength(HAND_ON_MAX + 2);
    expect(res.actions[HAND_ON_MAX]!.reason).toBe(
      `${total - HAND_ON_MAX} more matches (only the first ${HAND_ON_MAX} are shown and handed on)`,
    );
    for (const task of [downloadTask, deleteTask] as const) {
      const opts = task === downloadTask ? { from: 'previous', to: join(h.dir, 'never') } : { path: 'previous' };
      await expect(h.run(task as typeof downloadTask, opts as never, { input: out })).rejects.toThrow(
        `${task === downloadTask ? 'from' : 'path'}: the list before matched ${total} entries, more than the ${HAND_ON_MAX} a list hands on`,
      );
    }

    const jsonFile = join(h.dir, 'big.json');
    await h.run(listTask, { path: '/big', recursive: true, include: '*.csv', output: { file: jsonFile } });
    const csvs = await oracle('/big', (m) => m['.tag'] === 'file' && m.name.endsWith('.csv'));
    expect(csvs.length).toBeGreaterThan(1000);
    expect(await readFile(jsonFile, 'utf8')).toBe(JSON.stringify(csvs, null, 2) + '\n');
    expect(await spillDirs()).toEqual(before);
  });

  it('a limit within the cap hands its matches on though the listing was spilled', async () => {
    const o = { sort: { by: 'name' as const, order: 'desc' as const }, limit: 25 };
    const res = await h.run(listTask, { path: '/big', recursive: true, ...o });
    const all = (await oracle('/big', () => true)).map((meta) => ({
      meta,
      relPath: meta.path_display!.slice('/big/'.length),
      folder: meta['.tag'] === 'folder',
    }));
    const want = sortAndLimit(all, o).map((c) => c.meta);
    expect((res.output as DropboxEntriesOutput).items).toEqual(want);
    expect(res.counts.listed).toBe(25);
  });

  it('hands on matches that were spilled to disk, when they are within the cap', async () => {
    const include = ['f1*', 'f2*']; // 222 names a folder: more than a chunk, fewer than the cap
    const res = await h.run(listTask, { path: '/big', recursive: true, include });
    const expected = await oracle('/big', (m) => m['.tag'] === 'file' && /^f[12]/.test(m.name));
    expect(expected.length).toBeGreaterThan(CHUNK_ROWS);
    expect(expected.length).toBeLessThan(HAND_ON_MAX);
    expect((res.output as DropboxEntriesOutput).items).toEqual(expected);
    expect(res.actions).toHaveLength(expected.length);
  });

  it('hands on every match up to the cap, in order, and writes an empty JSON array for none', async () => {
    const res = await h.run(listTask, { path: '/big/B1', include: 'f1*' });
    const expected = await oracle('/big/B1', (m) => m.name.startsWith('f1'));
    expect((res.output as DropboxEntriesOutput).items).toEqual(expected);
    const empty = join(h.dir, 'none.json');
    await h.run(listTask, { path: '/big/B1', include: 'nothing', output: { file: empty } });
    expect(await readFile(empty, 'utf8')).toBe(JSON.stringify([], null, 2) + '\n');
  });
});

describe('SortedRows', () => {
  // Candidates with ties in every key, so the merge's tie-breaks are exercised too.
  const cands: Candidate[] = Array.from({ length: 200 }, (_, i) => ({
    relPath: `d${i % 5}/n${(i * 37) % 101}-${i}`,
    folder: i % 9 === 0,
    size: i % 9 === 0 ? undefined : (i * 13) % 17,
    modified: i % 9 === 0 ? undefined : new Date(Date.UTC(2026, 0, 1 + (i % 11))),
  }));
  const cases = [
    {},
    { limit: 15 },
    { sort: { by: 'size' as const, order: 'desc' as const } },
    { sort: { by: 'modified' as const }, limit: 40 },
    { sort: { by: 'name' as const, order: 'desc' as const } },
  ];
  // Runs of 7, merged 64 at a time (one generation) or 3 at a time (runs of runs of runs).
  it.each(cases.flatMap((o) => [64, 3].map((fanIn) => ({ ...o, fanIn }))))(
    'merges spilled runs in the order sortAndLimit gives: %j',
    async ({ fanIn, ...o }) => {
      const byPath = (a: Candidate, b: Candidate) => (a.relPath < b.relPath ? -1 : 1);
      const rows = new SortedRows<{ p: string }>({ order: reportOrder(o), limit: o.limit, chunkRows: 7, fanIn });
      for (const c of cands) await rows.add(c, { p: c.relPath });
      const got: string[] = [];
      for await (const batch of rows.batches()) got.push(...batch.map((v) => v.p));
      const want = sortAndLimit([...cands].sort(byPath), o).map((c) => c.relPath);
      expect(got).toEqual(want);
    },
  );

  it('reads back every field as written, whatever it holds, across the blocks a run is read in', async () => {
    // Text a line- or tab-based run would have to escape, digits and ':' that look like a
    // record's lengths, characters of 2-4 UTF-8 bytes (a block may end inside one), and
    // enough of it that each run spans several 64 KiB read blocks.
    const odd = ['', 'a\tb', 'line\nend\r\n', '12:34:', 'é', '𝄞 clef', '\\', ':', '0'];
    const n = 3000;
    const cs: Candidate[] = Array.from({ length: n }, (_, i) => ({
      relPath: `${odd[i % odd.length]}/${String(i).padStart(5, '0')}`,
      folder: i % 4 === 0,
      size: i % 4 === 0 ? undefined : i,
      modified: i % 3 === 0 ? undefined : new Date(Date.UTC(2026, 0, 1, 0, 0, i)),
    }));
    const valueOf = (i: number) => ({ i, text: `${odd[(i * 7) % odd.length]}${'ü€𝄞'.repeat(i % 40)}` });
    const rows = new SortedRows<{ i: number; text: string }>({
      order: reportOrder({}),
      chunkRows: 700,
      toFields: (v) => [String(v.i), v.text],
      fromFields: ([i, text]) => ({ i: Number(i), text: text! }),
    });
    for (const [i, c] of cs.entries()) await rows.add(c, valueOf(i));
    const got: Array<{ i: number; text: string }> = [];
    for await (const batch of rows.batches()) got.push(...batch);
    const want = cs
      .map((c, i) => ({ c, i }))
      .sort((a, b) => (a.c.relPath < b.c.relPath ? -1 : 1))
      .map(({ i }) => valueOf(i));
    expect(got).toEqual(want);
  });
});
