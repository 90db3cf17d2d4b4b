// Volume and interruption: a 300 MiB file (upload sessions), 2,000 small files
// (batched commits), and runs killed by the job timeout leaving no partial file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWriteStream } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import pino from 'pino';
import { hashFileRegion } from '../../plugins/dropbox/api/content-hash.ts';
import type { FileMetadata } from '../../plugins/dropbox/api/types.ts';
import { uploadTask } from '../../plugins/dropbox/tasks/upload.ts';
import { downloadTask } from '../../plugins/dropbox/tasks/download.ts';
import { runJob } from '../../src/scheduler/runner.ts';
import type { RunRecord } from '../../src/store/history.ts';
import type { ConnectionCache } from '../../src/scheduler/connections.ts';
import { Registry } from '../../src/registry.ts';
import dropbox from '../../plugins/dropbox/index.ts';
import type { JobDefinition } from '../../src/config/types.ts';
import { remoteTree, startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

/** Writes `mib` MiB of varied bytes to disk one MiB at a time (never the whole file in memory). */
async function bigFile(path: string, mib: number): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  const out = createWriteStream(path);
  const block = Buffer.alloc(1024 * 1024);
  for (let i = 0; i < mib; i++) {
    for (let j = 0; j < block.length; j += 4) block.writeUInt32LE((i * 2654435761 + j) >>> 0, j);
    if (!out.write(block)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

const localHash = async (p: string) => (await hashFileRegion(p, 0, (await stat(p)).size)).digest();

describe('volume', () => {
  it('a 300 MiB file goes up in chunks and comes back identical', async () => {
    const src = join(h.dir, 'big-src');
    await bigFile(join(src, 'disk image.bin'), 300);
    const want = await localHash(join(src, 'disk image.bin'));
    const mark = h.emu.requests.length;
    const up = await h.run(uploadTask, { from: src, to: '/big' });
    const routes = h.emu.requests.slice(mark).map((r) => r.route);
    expect(routes).not.toContain('files/upload'); // over 150 MiB: never a single request
    expect(routes.filter((r) => r.startsWith('files/upload_session/')).length).toBeGreaterThan(3);
    expect(Math.max(...h.emu.requests.slice(mark).map((r) => r.bytesIn))).toBeLessThanOrEqual(150 * 1024 * 1024);
    expect(up.counts.uploaded).toBe(1);
    expect(up.bytes).toBe(300 * 1024 * 1024);
    const meta = (await h.client.getMetadata('/big/disk image.bin')) as FileMetadata;
    expect(meta.size).toBe(300 * 1024 * 1024);
    expect(meta.content_hash).toBe(want);
    expect(h.progress.filter((p) => p.item === '/big/disk image.bin').length).toBeGreaterThan(1); // reported as it went

    const mark2 = h.emu.requests.length;
    const again = await h.run(uploadTask, { from: src, to: '/big' }); // unchanged: hashed locally, not re-sent
    expect(again.counts.uploaded ?? 0).toBe(0);
    expect(h.emu.requests.slice(mark2).filter((r) => r.route.includes('upload'))).toEqual([]);

    const dst = join(h.dir, 'big-dst');
    const down = await h.run(downloadTask, { from: '/big', to: dst });
    expect(down.counts.downloaded).toBe(1);
    expect(await localHash(join(dst, 'disk image.bin'))).toBe(want);
  });

  it('2,000 small files go up in batches, all of them', async () => {
    const src = join(h.dir, 'many');
    await mkdir(join(src, 'nested'), { recursive: true });
    for (let i = 0; i < 2000; i++)
      await writeFile(join(src, i % 2 ? 'nested' : '', `file ${String(i).padStart(4, '0')}.txt`), `content of ${i}\n`);
    const mark = h.emu.requests.length;
    const res = await h.run(uploadTask, { from: src, to: '/many', recursive: true });
    expect(res.counts.uploaded).toBe(2000);
    const routes = h.emu.requests.slice(mark).map((r) => r.route);
    const commits = routes.filter((r) => r.includes('finish_batch'));
    expect(commits.length).toBeGreaterThan(0); // committed together, not one by one
    expect(commits.length).toBeLessThan(100);
    expect(routes.filter((r) => r === 'files/upload' || r === 'files/upload_session/finish')).toEqual([]);
    const files = [...(await remoteTree(h.client, '/many')).values()].filter((m) => m['.tag'] === 'file');
    expect(files).toHaveLength(2000);
    const again = await h.run(uploadTask, { from: src, to: '/many', recursive: true });
    expect(again.counts.skipped).toBe(2000);
  });
});

describe('a job killed by its timeout', () => {
  const job = (tasks: JobDefinition['tasks']): JobDefinition => ({
    name: 'slow',
    file: 'slow.yaml',
    enabled: true,
    schedule: '0 0 * * *',
    timezone: 'UTC',
    connection: 'sandbox',
    overlap: 'skip',
    timeoutMs: 1500,
    catchUp: false,
    retries: { count: 0, backoffMs: 0 },
    tasks,
  });
  const deps = () => {
    const registry = new Registry();
    registry.add(dropbox);
    const connections = { acquire: async () => ({ connection: h.client, release() {} }) } as unknown as ConnectionCache;
    return { registry, connections, log: pino({ level: 'silent' }), baseDir: h.dir };
  };

  /**
   * The job's timeout, and nothing else, ended the run: its outcome and message name it,
   * and it came at the timeout, not at once and not when the 10 s transfer would have ended.
   */
  const expectEndedByTimeout = (record: RunRecord) => {
    expect(record).toMatchObject({ outcome: 'timeout', error: 'timed out after 1.5s' });
    expect(record.durationMs).toBeGreaterThanOrEqual(1_400);
    expect(record.durationMs).toBeLessThan(9_000);
  };

  it('upload: nothing lands in Dropbox', async () => {
    const src = join(h.dir, 'slow-up');
    await bigFile(join(src, 'slow.bin'), 40);
    h.emu.faults.set({ bandwidthBytesPerSec: 4 * 1024 * 1024 });
    try {
      const r = await runJob(
        { job: job([{ type: 'upload', options: { from: src, to: '/slow' } }]), trigger: 'manual' },
        deps(),
      );
      expectEndedByTimeout(r.record);
    } finally {
      h.emu.faults.set({ bandwidthBytesPerSec: undefined });
    }
    expect(await h.client.getMetadata('/slow/slow.bin')).toBeUndefined();
    expect(await readdir(src)).toEqual(['slow.bin']); // nothing of ours left beside the source
  });

  it('download: no partial file, only the part file the next run resumes', async () => {
    const blob = Buffer.alloc(40 * 1024 * 1024, 7);
    await h.emu.files.put('sandy', '/slow-down/slow.bin', blob);
    const dst = join(h.dir, 'slow-down');
    h.emu.faults.set({ bandwidthBytesPerSec: 4 * 1024 * 1024 });
    try {
      const r = await runJob(
        { job: job([{ type: 'download', options: { from: '/slow-down', to: dst } }]), trigger: 'manual' },
        deps(),
      );
      expectEndedByTimeout(r.record);
    } finally {
      h.emu.faults.set({ bandwidthBytesPerSec: undefined });
    }
    // The target is never half-written; the bytes so far stay in a part file named after
    // the rev, which the next download resumes (test/tasks/part-files.test.ts).
    const rev = ((await h.client.getMetadata('/slow-down/slow.bin')) as FileMetadata).rev;
    expect(await readdir(dst, { recursive: true })).toEqual([
      expect.stringMatching(new RegExp(`^\\.slow\\.bin\\.${rev}\\.\\d+-\\d+\\.dropcron-part$`)),
    ]);
  });
});
