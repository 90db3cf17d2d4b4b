// The download task with several files in flight (issue 13), and issue 12 row 5: a fault
// in one file of a parallel download never loses another file's progress. The emulator's
// bandwidth cap keeps files on the wire long enough to overlap; what overlapped is counted
// at the client's dispatcher (files/download requests open at once), never timed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Dispatcher } from 'undici';
import { createDropboxClient } from '../../plugins/dropbox/api/client.ts';
import { contentHash } from '../../plugins/dropbox/api/content-hash.ts';
import type { DropboxClient, FileMetadata } from '../../plugins/dropbox/api/types.ts';
import { DOWNLOADS_IN_FLIGHT, downloadTask } from '../../plugins/dropbox/tasks/download.ts';
import { TaskFailedError } from '../../plugins/dropbox/tasks/result.ts';
import type { Progress } from '../../src/plugin.ts';
import { startHarness, tokenSource, type Harness } from './harness.ts';
import { until } from '../helpers/wait.ts';

const KiB = 1024;
const MiB = 1024 * KiB;

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

/** files/download requests on the wire: open now, the most open at once, and how many were open when one broke. */
interface Wire {
  started: number;
  open: number;
  max: number;
  openAtError: number[];
}

/** A client whose dispatcher counts files/download requests from dispatch to the body's last byte or error. */
function countingClient(retry?: { maxAttempts?: number }): { client: DropboxClient; wire: Wire } {
  const wire: Wire = { started: 0, open: 0, max: 0, openAtError: [] };
  const counting: Dispatcher.DispatcherComposeInterceptor = (dispatch) => (opts, handler) => {
    if (!opts.path.endsWith('/files/download')) return dispatch(opts, handler);
    wire.started++;
    wire.max = Math.max(wire.max, ++wire.open);
    let closed = false;
    const close = (failed: boolean) => {
      if (closed) return;
      closed = true;
      if (failed) wire.openAtError.push(wire.open);
      wire.open--;
    };
    // compose() hands interceptors handlers of undici's controller API (onResponseEnd/onResponseError).
    return dispatch(opts, {
      onRequestStart: (c, ctx) => handler.onRequestStart?.(c, ctx),
      onResponseStart: (c, status, headers, msg) => handler.onResponseStart?.(c, status, headers, msg),
      onResponseData: (c, chunk) => handler.onResponseData?.(c, chunk),
      onResponseEnd: (c, trailers) => {
        close(false);
        handler.onResponseEnd?.(c, trailers);
      },
      onResponseError: (c, err) => {
        close(true);
        handler.onResponseError?.(c, err);
      },
    });
  };
  const client = createDropboxClient({
    dispatcher: h.agent.compose(counting),
    token: tokenSource(h.emu),
    endpoints: { api: h.emu.url, content: h.emu.url },
    retry: { baseDelayMs: 10, maxDelayMs: 20, ...retry },
  });
  return { client, wire };
}

/** Distinct content per file, so a byte landing in the wrong file shows in its hash. */
function content(size: number, seed: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i += 4) b.writeUInt32LE((Math.imul(i, 2654435761) + seed) >>> 0, i);
  return b;
}

async function putAll(folder: string, files: Record<string, Buffer>): Promise<void> {
  for (const [name, data] of Object.entries(files)) await h.emu.files.put('sandy', `${folder}/${name}`, data);
}

async function expectLocalEqual(dir: string, files: Record<string, Buffer>): Promise<void> {
  for (const [name, data] of Object.entries(files))
    expect(contentHash(await readFile(join(dir, name))), name).toBe(contentHash(data));
}

/** The emulator's files/download records since `from`. */
const downloads = (from: number) => h.emu.requests.slice(from).filter((q) => q.route === 'files/download');

/** Each item's progress reports in order, from the harness's log since `from`. */
function progressByItem(from: number): Map<string, Progress[]> {
  const out = new Map<string, Progress[]>();
  for (const p of h.progress.slice(from)) out.set(p.item, [...(out.get(p.item) ?? []), p]);
  return out;
}

async function withBandwidth<T>(bytesPerSec: number, fn: () => Promise<T>): Promise<T> {
  h.emu.faults.set({ bandwidthBytesPerSec: bytesPerSec });
  try {
    return await fn();
  } finally {
    h.emu.faults.set({ bandwidthBytesPerSec: undefined });
    h.emu.faults.clear();
  }
}

describe('parallel downloads', () => {
  it(`keeps up to ${DOWNLOADS_IN_FLIGHT} files in flight, never more, and reports each file exactly`, async () => {
    // 64 KiB at 16 KiB/s keeps each file on the wire for 4 s, far longer than the pacer
    // needs to start the first batch (10 ms apart), so the bound is reached, not just approached.
    const n = DOWNLOADS_IN_FLIGHT + 4;
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < n; i++) files[`f${String(i).padStart(2, '0')}.bin`] = content(64 * KiB, i);
    await putAll('/many', files);
    const { client, wire } = countingClient();
    const dir = join(h.dir, 'many');
    const p0 = h.progress.length;
    const res = await withBandwidth(16 * KiB, () =>
      h.run(downloadTask, { from: '/many', to: dir }, { connection: client }),
    );

    expect(wire.max).toBe(DOWNLOADS_IN_FLIGHT);
    expect(wire.started).toBe(n);
    expect(res.counts).toEqual({ downloaded: n });
    expect(res.bytes).toBe(n * 64 * KiB);
    expect(res.actions.map((a) => a.target)).toEqual(Object.keys(files).map((f) => `/many/${f}`));
    await expectLocalEqual(dir, files);
    // Per file: its own total, never going back, ending complete, whatever came in between.
    const byItem = progressByItem(p0);
    expect([...byItem.keys()].sort()).toEqual(Object.keys(files).map((f) => `/many/${f}`));
    for (const [item, ps] of byItem) {
      expect(
        ps.every((p) => p.total === 64 * KiB),
        item,
      ).toBe(true);
      expect(
        ps.every((p, i) => i === 0 || p.done >= ps[i - 1]!.done),
        item,
      ).toBe(true);
      expect(ps.at(-1)!.done, item).toBe(64 * KiB);
    }
  }, 60_000);

  it('lists actions and deletions in listing order, not in the order files finish', async () => {
    // a.bin is listed first and finishes last; the small ones finish while it still moves.
    const files = { 'a.bin': content(512 * KiB, 1), 'b.txt': content(4 * KiB, 2), 'c.txt': content(4 * KiB, 3) };
    await putAll('/ordered', files);
    const { client, wire } = countingClient();
    const res = await withBandwidth(256 * KiB, () =>
      h.run(downloadTask, { from: '/ordered', to: join(h.dir, 'ordered'), deleteSource: true }, { connection: client }),
    );
    expect(wire.max).toBeGreaterThan(1);
    expect(res.actions.map((a) => `${a.action} ${a.target}`)).toEqual([
      'download /ordered/a.bin',
      'download /ordered/b.txt',
      'download /ordered/c.txt',
      'delete-remote /ordered/a.bin',
      'delete-remote /ordered/b.txt',
      'delete-remote /ordered/c.txt',
    ]);
    expect(res.counts).toEqual({ downloaded: 3, deletedSource: 3 });
  });

  it('goes through the connection pacer: a 429 on one file holds and is counted, every file completes', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 6; i++) files[`t${i}.bin`] = content(32 * KiB, 10 + i);
    await putAll('/throttled', files);
    const { client } = countingClient();
    const dir = join(h.dir, 'throttled');
    h.emu.faults.inject({ route: 'files/download', times: 2, fault: { rateLimit: 1 } });
    const n0 = h.emu.requests.length;
    const res = await withBandwidth(64 * KiB, () =>
      h.run(downloadTask, { from: '/throttled', to: dir }, { connection: client }),
    );
    expect(downloads(n0).filter((q) => q.status === 429)).toHaveLength(2);
    expect(res.counts).toEqual({ downloaded: 6, throttled: 2 });
    await expectLocalEqual(dir, files);
  });
});

describe('a fault in one file of a parallel download (issue 12 row 5)', () => {
  const SIZE = 3 * MiB;
  const DROP = 1 * MiB;
  const bigFiles = (seed: number) => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < 4; i++) files[`big${i}.bin`] = content(SIZE, seed + i);
    return files;
  };

  it('a drop mid-body resumes that file alone; the others complete, no byte fetched twice', async () => {
    const files = bigFiles(100);
    await putAll('/drop', files);
    const { client, wire } = countingClient();
    const dir = join(h.dir, 'drop');
    h.emu.faults.inject({ route: 'files/download', times: 1, fault: { dropAfterBytes: DROP } });
    const n0 = h.emu.requests.length;
    const res = await withBandwidth(6 * MiB, () =>
      h.run(downloadTask, { from: '/drop', to: dir }, { connection: client }),
    );

    expect(wire.openAtError).toHaveLength(1);
    expect(wire.openAtError[0]).toBeGreaterThan(1); // the others were on the wire when it broke
    expect(res.counts).toEqual({ downloaded: 4 });
    await expectLocalEqual(dir, files);
    const dl = downloads(n0);
    expect(dl.reduce((s, q) => s + q.bytesOut, 0)).toBe(4 * SIZE);
    expect(dl.filter((q) => q.headers.range).map((q) => q.headers.range)).toEqual([`bytes=${DROP}-`]);
  });

  it('a file that fails keeps its part for the next run, which resumes it and fetches nothing else', async () => {
    const files = bigFiles(200);
    await putAll('/fail', files);
    const dir = join(h.dir, 'fail');
    // One attempt per call: the dropped file fails instead of resuming within the run.
    const { client, wire } = countingClient({ maxAttempts: 1 });
    h.emu.faults.inject({ route: 'files/download', times: 1, fault: { dropAfterBytes: DROP } });
    const err = await withBandwidth(6 * MiB, () =>
      h.run(downloadTask, { from: '/fail', to: dir }, { connection: client }),
    ).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(TaskFailedError);
    const failed = err as TaskFailedError;
    expect(wire.openAtError).toHaveLength(1);
    expect(wire.openAtError[0]).toBeGreaterThan(1);
    expect(failed.result.counts).toMatchObject({ downloaded: 3, failed: 1 });
    expect(failed.failures).toHaveLength(1);
    const broken = failed.failures[0]!.split(':')[0]!.replace('/fail/', '');
    const { [broken]: _brokenData, ...others } = files;
    await expectLocalEqual(dir, others);
    const local = await readdir(dir);
    expect(local).not.toContain(broken);
    const part = local.find((f) => f.startsWith(`.${broken}.`) && f.endsWith('.dropcron-part'));
    expect(part, 'the failed file keeps its part').toBeDefined();
    expect((await stat(join(dir, part!))).size).toBe(DROP);

    const n0 = h.emu.requests.length;
    const again = await h.run(downloadTask, { from: '/fail', to: dir });
    expect(again.counts).toEqual({ downloaded: 1, skipped: 3 });
    await expectLocalEqual(dir, files);
    expect(downloads(n0).map((q) => [q.headers.range, q.bytesOut])).toEqual([[`bytes=${DROP}-`, SIZE - DROP]]);
    expect((await readdir(dir)).filter((f) => f.endsWith('.dropcron-part'))).toEqual([]);
    const md = (await h.client.getMetadata(`/fail/${broken}`)) as FileMetadata;
    expect(md.content_hash).toBe(contentHash(files[broken]!));
  });

  it('an abort stops every file in flight, starts no other, and keeps their parts', async () => {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < DOWNLOADS_IN_FLIGHT + 8; i++)
      files[`s${String(i).padStart(2, '0')}.bin`] = content(256 * KiB, i);
    await putAll('/aborted', files);
    const { client, wire } = countingClient();
    const dir = join(h.dir, 'aborted');
    const ac = new AbortController();
    const err = await withBandwidth(16 * KiB, async () => {
      const run = h.run(downloadTask, { from: '/aborted', to: dir }, { connection: client, signal: ac.signal });
      await until(() => wire.open === DOWNLOADS_IN_FLIGHT, 'every slot busy', 20_000);
      ac.abort(new Error('cancelled by the test'));
      return run.catch((e: unknown) => e);
    });

    expect(String(err)).toContain('cancelled by the test');
    expect(wire.open).toBe(0); // nothing still on the wire when the task returned
    expect(wire.started).toBe(DOWNLOADS_IN_FLIGHT);
    const local = await readdir(dir);
    expect(local.filter((f) => !f.endsWith('.dropcron-part'))).toEqual([]);
    expect(local.filter((f) => f.endsWith('.dropcron-part'))).toHaveLength(DOWNLOADS_IN_FLIGHT);
  }, 60_000);
});
