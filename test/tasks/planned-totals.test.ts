// Issue 15 row 6 against the sandbox: a multi-file upload run watched live shows the whole
// plan from its first progress event (files and bytes to upload, unchanged files left out),
// not totals that grow as files start. The real runner, the real upload task, the emulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pino from 'pino';
import { runJob } from '../../src/scheduler/runner.ts';
import { SchedulerEvents, type RunProgressEvent } from '../../src/scheduler/events.ts';
import { Registry } from '../../src/registry.ts';
import type { ConnectionCache } from '../../src/scheduler/connections.ts';
import type { JobDefinition } from '../../src/config/types.ts';
import { withDefaults } from '../../src/config/defaults.ts';
import { BATCH_FILE_LIMIT, uploadTask } from '../../plugins/dropbox/tasks/upload.ts';
import { downloadTask } from '../../plugins/dropbox/tasks/download.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

async function uploadRun(src: string) {
  const registry = new Registry();
  registry.add({ name: 'upload-only', connectionTypes: [], taskTypes: [uploadTask] });
  const job: JobDefinition = {
    name: 'planned',
    file: 'jobs/planned.yaml',
    enabled: true,
    schedule: '0 0 1 1 *',
    timezone: 'UTC',
    connection: 'sandbox',
    overlap: 'skip',
    catchUp: false,
    retries: { count: 0, backoffMs: 0 },
    tasks: [{ type: 'upload', options: withDefaults(uploadTask.schema, { from: src, to: '/planned' }) }],
  };
  const events = new SchedulerEvents();
  const seen: RunProgressEvent[] = [];
  events.on('run:progress', (e) => seen.push(e));
  const connections = { acquire: async () => ({ connection: h.client, release() {} }) } as unknown as ConnectionCache;
  const r = await runJob(
    { job, trigger: 'manual' },
    { registry, connections, log: pino({ level: 'silent' }), baseDir: h.dir, events },
  );
  expect(r.record.error).toBeUndefined();
  return { record: r.record, seen };
}

describe('planned totals of an upload run', () => {
  it('carries the full files and bytes to upload from the first progress event on', async () => {
    const src = join(h.dir, 'planned-src');
    await mkdir(src, { recursive: true });
    // Unchanged at the target by the time of the run under test: planned out.
    await writeFile(join(src, 'unchanged.txt'), 'already there');
    expect((await uploadRun(src)).record.tasks[0]!.counts.uploaded).toBe(1);

    // Small files go in one batch, the large one streams alone after it: without a plan
    // the early events would know only the batch's files. The empty one still counts as a file done.
    const sizes = [1000, 20_000, 0, 300_000, 64, BATCH_FILE_LIMIT + 1024 * 1024];
    for (const [i, size] of sizes.entries()) await writeFile(join(src, `f${i}.bin`), Buffer.alloc(size, i + 1));
    const planned = { files: sizes.length, bytes: sizes.reduce((a, b) => a + b, 0) };

    const { record, seen } = await uploadRun(src);
    expect(record.tasks[0]!.counts).toMatchObject({ uploaded: sizes.length, skipped: 1 });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen[0]).toMatchObject({ task: 'upload', files: { done: 0 }, bytes: { done: 0 } });
    for (const e of seen) {
      expect(e.files.total).toBe(planned.files);
      expect(e.bytes.total).toBe(planned.bytes);
    }
    expect(seen.at(-1)).toMatchObject({ files: { done: planned.files }, bytes: { done: planned.bytes } });
  });

  it('download announces what it will fetch, unchanged files left out', async () => {
    await h.emu.files.put('sandy', '/fetch/a.txt', 'alpha');
    await h.emu.files.put('sandy', '/fetch/b.bin', Buffer.alloc(70_000, 2));
    const to = join(h.dir, 'fetched');
    const before = h.planned.length;
    expect((await h.run(downloadTask, { from: '/fetch', to })).counts.downloaded).toBe(2);
    expect(h.planned.slice(before)).toEqual([{ files: 2, bytes: 5 + 70_000 }]);
    await h.emu.files.put('sandy', '/fetch/c.txt', 'gamma');
    await h.run(downloadTask, { from: '/fetch', to });
    expect(h.planned.at(-1)).toEqual({ files: 1, bytes: 5 });
  });
});
