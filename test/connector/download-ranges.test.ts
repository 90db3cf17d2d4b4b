// Big downloads in several ranges at once (issue 13): the file arrives hash-equal through
// more than one ranged request, a stream cut mid-range resumes that range alone, an abort
// or a killed process leaves a part whose record says which bytes are there (and only those
// are fetched again), and a file that changes on Dropbox midway is fetched again whole.
// The connector's threshold is 64 MiB; these tests lower it to keep the files small.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdir, open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Transport } from '../../plugins/dropbox/api/http.ts';
import { downloadFile } from '../../plugins/dropbox/api/download.ts';
import { planRanges, type RangedDownloads } from '../../plugins/dropbox/api/download-ranges.ts';
import { BLOCK_SIZE, contentHash } from '../../plugins/dropbox/api/content-hash.ts';
import { RangeRecord, readRangeRecord, type ByteRange } from '../../plugins/dropbox/api/range-record.ts';
import type { DownloadOptions, FileMetadata } from '../../plugins/dropbox/api/types.ts';
import { createDispatcher } from '../../src/net/dispatcher.ts';
import { emulatorForFile, makeClient, pattern } from './helpers.ts';

const MiB = 1024 * 1024;
const SPLIT: RangedDownloads = { minBytes: 8 * MiB, streams: 4 };
// 30 MiB + 123: ranges of 8, 8, 8 and 6 MiB + 123 bytes.
const SIZE = 30 * MiB + 123;
const STARTS = [0, 8 * MiB, 16 * MiB, 24 * MiB];
const env = emulatorForFile();

const deadPid = () => spawnSync(process.execPath, ['-e', '']).pid!;
const parts = async (dir: string) => (await readdir(dir)).filter((f) => f.endsWith('.dropcron-part'));
const downloads = (from: number) => env.emu.requests.slice(from).filter((r) => r.route === 'files/download');
const rangeStart = (h: string | undefined) => Number((h && /^bytes=(\d+)-/.exec(h)?.[1]) ?? 0);
/** The Range headers asked, by where they start ('none': the whole file). */
const asked = (from: number) =>
  downloads(from)
    .map((r) => r.headers.range ?? 'none')
    .sort((a, b) => rangeStart(a) - rangeStart(b));

async function putFile(path: string, data: Buffer): Promise<FileMetadata> {
  await env.emu.files.put('sandy', path, data);
  const { client } = makeClient(env.emu);
  return (await client.getMetadata(path)) as FileMetadata;
}

/** A transport to the emulator; `beforeAttempt(n)` runs before the n-th attempt sends (1-based). */
function transport(beforeAttempt?: (n: number) => Promise<void>) {
  const { accessToken } = env.emu.issueToken({ account: 'sandy' });
  let attempts = 0;
  return new Transport({
    dispatcher: createDispatcher({ timeoutSeconds: 30 }),
    // The token is asked for once per attempt: a deterministic point just before a request.
    token: {
      token: async () => {
        await beforeAttempt?.(++attempts);
        return accessToken;
      },
      refresh: async () => accessToken,
    },
    api: env.emu.url,
    content: env.emu.url,
    retry: { baseDelayMs: 5, maxDelayMs: 50, defaultRetryAfterMs: 50 },
  });
}

async function folder(name: string): Promise<string> {
  const dir = join(env.tmp.dir, name);
  await mkdir(dir);
  return dir;
}

/** A file of SIZE bytes on Dropbox, an empty local folder for it, and what a killed run's ranged part is named. */
async function stage(name: string, seed: number) {
  const data = pattern(SIZE, seed);
  const remote = `/ranges/${name}.bin`;
  const md = await putFile(remote, data);
  const dir = await folder(name);
  const killedPart = join(dir, `.${name}.bin.${md.rev}.${deadPid()}-1.ranged.dropcron-part`);
  return { data, md, remote, dir, local: join(dir, `${name}.bin`), killedPart };
}

const get = (t: Transport, path: string, local: string, opts: DownloadOptions = {}) =>
  downloadFile(t, path, local, opts, SPLIT);

describe('ranged downloads', () => {
  it('splits into whole 4 MiB blocks and maps a prefix on disk onto the ranges', () => {
    const ranges = planRanges(SIZE, 10 * MiB, SPLIT);
    expect(ranges.map((r) => [r.start, r.end, r.done])).toEqual([
      [0, 8 * MiB, 8 * MiB],
      [8 * MiB, 16 * MiB, 2 * MiB],
      [16 * MiB, 24 * MiB, 0],
      [24 * MiB, SIZE, 0],
    ]);
    for (const r of planRanges(SIZE * 7 + 5, 0, { minBytes: 0, streams: 3 })) expect(r.start % BLOCK_SIZE).toBe(0);
    expect(planRanges(SPLIT.minBytes - 1, 0, SPLIT)).toHaveLength(1);
  });

  it('fetches a big file as several ranged requests into one part, hash-equal', async () => {
    const { data, md, remote, dir, local } = await stage('whole', 21);
    const n = env.emu.requests.length;
    const seen: number[] = [];
    const got = await get(transport(), remote, local, {
      rev: md.rev,
      onProgress: (d, total) => {
        expect(total).toBe(SIZE);
        seen.push(d);
      },
    });
    expect(got.content_hash).toBe(contentHash(data));
    expect((await readFile(local)).equals(data)).toBe(true);
    // The first request learns the size and serves the first range; the others ask for theirs.
    expect(asked(n)).toEqual([
      'none',
      `bytes=${8 * MiB}-${16 * MiB - 1}`,
      `bytes=${16 * MiB}-${24 * MiB - 1}`,
      `bytes=${24 * MiB}-`,
    ]);
    expect(seen.at(-1)).toBe(SIZE);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(await readdir(dir)).toEqual(['whole.bin']);
  });

  it('a stream reset mid-range resumes that range from its bytes on disk; the rest are not fetched again', async () => {
    const { data, md, remote, dir, local } = await stage('reset', 22);
    const n = env.emu.requests.length;
    // Armed once the first request is under way: one of the other ranges is cut after 3 MiB.
    const t = transport(async (k) => {
      if (k === 2) env.emu.faults.inject({ route: 'files/download', fault: { dropAfterBytes: 3 * MiB } });
    });
    const got = await get(t, remote, local, { rev: md.rev });
    expect(got.content_hash).toBe(contentHash(data));
    expect((await readFile(local)).equals(data)).toBe(true);
    const starts = downloads(n).map((r) => rangeStart(r.headers.range));
    const resumed = starts.filter((s) => !STARTS.includes(s));
    expect(resumed).toHaveLength(1);
    expect(resumed[0]! % (8 * MiB)).toBeGreaterThan(0);
    expect(starts.filter((s) => STARTS.includes(s)).sort((a, b) => a - b)).toEqual(STARTS);
    expect(await parts(dir)).toEqual([]);
  });

  it('an abort keeps a ranged part whose record the next call resumes, fetching only the missing bytes', async () => {
    const { data, md, remote, dir, local: target } = await stage('cut', 23);
    env.emu.faults.set({ bandwidthBytesPerSec: 4 * MiB });
    const ac = new AbortController();
    const err = await get(transport(), remote, target, {
      rev: md.rev,
      signal: ac.signal,
      onProgress: (d) => {
        if (d >= 6 * MiB) ac.abort(new Error('job cancelled'));
      },
    }).catch((e: unknown) => e);
    env.emu.faults.set({ bandwidthBytesPerSec: 0 });
    expect((err as Error).message).toBe('job cancelled');
    const left = await parts(dir);
    expect(left).toEqual([
      expect.stringMatching(new RegExp(`^\\.cut\\.bin\\.${md.rev}\\.${process.pid}-\\d+\\.ranged\\.dropcron-part$`)),
    ]);
    const fh = await open(join(dir, left[0]!), 'r');
    const saved = await readRangeRecord(fh);
    await fh.close();
    expect(saved?.size).toBe(SIZE);
    const kept = saved!.ranges.reduce((s, r) => s + r.done, 0);
    // Several streams were writing when the abort came.
    expect(saved!.ranges.filter((r) => r.done > 0).length).toBeGreaterThan(1);

    const n = env.emu.requests.length;
    const got = await get(transport(), remote, target, { rev: md.rev });
    expect(got.content_hash).toBe(contentHash(data));
    expect((await readFile(target)).equals(data)).toBe(true);
    const dl = downloads(n);
    expect(dl.map((r) => rangeStart(r.headers.range)).sort((a, b) => a - b)).toEqual(
      saved!.ranges.filter((r) => r.done < r.end - r.start).map((r) => r.start + r.done),
    );
    expect(dl.reduce((s, r) => s + r.bytesOut, 0)).toBe(SIZE - kept);
    expect(await parts(dir)).toEqual([]);
  });

  it("resumes a killed run's ranged part from its record: bytes past each range's record are fetched again", async () => {
    const { data, md, remote, dir, local, killedPart } = await stage('killed', 24);
    // What `kill -9` leaves: the record lags the bytes, and past it there may be anything.
    const ranges: ByteRange[] = planRanges(SIZE, 0, SPLIT);
    const done = [8 * MiB, 3 * MiB + 17, 0, 5 * MiB];
    const fh = await open(killedPart, 'wx');
    await fh.write(Buffer.alloc(SIZE, 0x55), 0, SIZE, 0);
    ranges.forEach((r, i) => {
      r.done = done[i]!;
    });
    for (const r of ranges) await fh.write(data, r.start, r.done, r.start);
    await new RangeRecord(fh, SIZE, ranges).save();
    await fh.close();

    const n = env.emu.requests.length;
    const got = await get(transport(), remote, local, { rev: md.rev });
    expect(got.content_hash).toBe(contentHash(data));
    expect((await readFile(local)).equals(data)).toBe(true);
    expect(asked(n)).toEqual([
      `bytes=${8 * MiB + 3 * MiB + 17}-${16 * MiB - 1}`,
      `bytes=${16 * MiB}-${24 * MiB - 1}`,
      `bytes=${24 * MiB + 5 * MiB}-`,
    ]);
    expect(downloads(n).reduce((s, r) => s + r.bytesOut, 0)).toBe(SIZE - done.reduce((a, b) => a + b));
    expect(await parts(dir)).toEqual([]);
  });

  it('a ranged part whose record cannot be read is started over from the first byte', async () => {
    const { data, md, remote, dir, local, killedPart } = await stage('torn', 25);
    const fh = await open(killedPart, 'wx');
    await fh.write(Buffer.alloc(SIZE + 100, 0x55), 0, SIZE + 100, 0);
    await fh.close();
    const n = env.emu.requests.length;
    await get(transport(), remote, local, { rev: md.rev });
    expect((await readFile(local)).equals(data)).toBe(true);
    expect(
      downloads(n)
        .map((r) => rangeStart(r.headers.range))
        .sort((a, b) => a - b),
    ).toEqual(STARTS);
    expect(await parts(dir)).toEqual([]);
  });

  it('a file that changes on Dropbox midway is started over and arrives as the new rev', async () => {
    const { md: v1, remote, dir, local } = await stage('changed', 26);
    const fresh = pattern(SIZE - 4 * MiB, 27);
    const n = env.emu.requests.length;
    // The first request serves v1; before the next one goes out, Dropbox has v2.
    const t = transport(async (k) => {
      if (k === 2) await env.emu.files.put('sandy', remote, fresh);
    });
    const got = await get(t, remote, local, { rev: v1.rev });
    expect(got.rev).not.toBe(v1.rev);
    expect(got.content_hash).toBe(contentHash(fresh));
    expect((await readFile(local)).equals(fresh)).toBe(true);
    // Two requests from the first byte: v1's, and v2's after the start-over.
    expect(downloads(n).filter((r) => r.headers.range === undefined)).toHaveLength(2);
    expect(await parts(dir)).toEqual([]);
  });
});
