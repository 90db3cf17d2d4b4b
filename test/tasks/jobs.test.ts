// The example jobs in jobs/, run by the real job runner against the emulator, from a
// copy of the repository's config (as `npm start` would run them: from config.yaml's folder).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { loadConfig } from '../../src/config/load.ts';
import { runJob } from '../../src/scheduler/runner.ts';
import type { ConnectionCache } from '../../src/scheduler/connections.ts';
import { expandPlaceholders } from '../../plugins/dropbox/tasks/placeholders.ts';
import { remoteTree, startHarness, type Harness } from './harness.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
let h: Harness;
let home: string;
let loaded: Awaited<ReturnType<typeof loadConfig>>;
const day = 86_400_000;

beforeAll(async () => {
  h = await startHarness();
  home = await mkdtemp(join(tmpdir(), 'dropcron-jobs-'));
  await cp(join(repo, 'config.example.yaml'), join(home, 'config.example.yaml'));
  await cp(join(repo, 'connections'), join(home, 'connections'), { recursive: true });
  await cp(join(repo, 'jobs'), join(home, 'jobs'), { recursive: true });
  loaded = await loadConfig(join(home, 'config.example.yaml'), { env: {} });
});
afterAll(async () => {
  await h.close();
  await rm(home, { recursive: true, force: true });
});

async function run(name: string, scheduledAt?: Date) {
  const job = loaded.jobs.find((j) => j.name === name)!;
  const connections = { acquire: async () => ({ connection: h.client, release() {} }) } as unknown as ConnectionCache;
  const r = await runJob(
    { job, trigger: 'manual', scheduledAt },
    { registry: loaded.registry, connections, log: pino({ level: 'silent' }), baseDir: home },
  );
  expect(r.record.error, name).toBeUndefined();
  expect(r.record.outcome).toBe('success');
  return r;
}

describe('example jobs', () => {
  it('validate', () => {
    expect(loaded.problems).toEqual([]);
    expect(loaded.jobs.map((j) => j.name).sort()).toEqual(['download-and-archive', 'list-to-csv', 'nightly-backup']);
  });

  it('nightly-backup uploads connections/ and jobs/, skips them when unchanged, and applies retention', async () => {
    const now = new Date();
    const date = expandPlaceholders('{date}', { now, timezone: 'Europe/Berlin', job: '' });
    const first = await run('nightly-backup', now);
    expect(first.record.tasks[0]!.counts.uploaded).toBe(4);
    const tree = await remoteTree(h.client, `/backups/dropcron/${date}`);
    expect([...tree.keys()].filter((k) => k.endsWith('.yaml')).sort()).toEqual([
      `/backups/dropcron/${date}/connections/sandbox.yaml`,
      `/backups/dropcron/${date}/jobs/download-and-archive.yaml`,
      `/backups/dropcron/${date}/jobs/list-to-csv.yaml`,
      `/backups/dropcron/${date}/jobs/nightly-backup.yaml`,
    ]);
    const second = await run('nightly-backup', now);
    expect(second.record.tasks[0]!.counts).toMatchObject({ skipped: 4 });

    // Eight more nights; then, 40 days on, everything is older than 30 days and only the 7 newest stay.
    for (let i = 1; i <= 8; i++) await run('nightly-backup', new Date(now.getTime() + i * day));
    expect((await readdirRemote('/backups/dropcron')).length).toBe(9);
    const late = await run('nightly-backup', new Date(now.getTime() + 40 * day));
    expect(late.record.tasks[1]!.counts.deleted).toBe(3); // 10 folders, keepLast 7
    const left = await readdirRemote('/backups/dropcron');
    expect(left).toHaveLength(7);
    expect(left).not.toContain(date);
  });

  it('download-and-archive moves /inbox into ./state/archive/<date>', async () => {
    await h.emu.files.put('sandy', '/inbox/invoice 01.pdf', 'pdf bytes');
    await h.emu.files.put('sandy', '/inbox/sub/ünïcode.txt', 'text');
    await h.emu.files.put('sandy', '/inbox/partial.part', 'skip me');
    const now = new Date('2026-04-05T10:00:00Z');
    const r = await run('download-and-archive', now);
    expect(r.record.tasks[1]!.counts).toMatchObject({ downloaded: 2, deletedSource: 2 });
    const archive = join(home, 'state', 'archive', '2026-04-05');
    expect(await readFile(join(archive, 'invoice 01.pdf'), 'utf8')).toBe('pdf bytes');
    expect(await readFile(join(archive, 'sub', 'ünïcode.txt'), 'utf8')).toBe('text');
    expect([...(await remoteTree(h.client, '/inbox')).keys()].sort()).toEqual(['/inbox/partial.part', '/inbox/sub']);
  });

  it('list-to-csv writes the inventory, largest first', async () => {
    await h.emu.files.put('sandy', '/report/huge, "quoted".bin', 'x'.repeat(100_000));
    const now = new Date('2026-04-06T06:00:00Z');
    await run('list-to-csv', now);
    const csv = await readFile(join(home, 'state', 'reports', 'dropbox-2026-04-06.csv'), 'utf8');
    const rows = csv.trim().split('\r\n');
    expect(rows[0]).toBe('type,name,path,size,client_modified,server_modified,content_hash,id,rev');
    expect(rows[1]).toMatch(/^file,"huge, ""quoted"".bin","\/report\/huge, ""quoted"".bin",100000,/);
    expect(rows.length).toBeGreaterThan(5);
  });

  it('a dry run of every example job changes nothing', async () => {
    await h.emu.files.put('sandy', '/inbox/waiting.txt', 'waiting');
    const before = JSON.stringify(
      [...(await remoteTree(h.client)).entries()].map(([k, m]) => [k, m['.tag'] === 'file' ? m.rev : '']),
    );
    const localBefore = await readdir(join(home, 'state'), { recursive: true });
    const mark = h.emu.requests.length;
    for (const job of loaded.jobs) {
      const connections = {
        acquire: async () => ({ connection: h.client, release() {} }),
      } as unknown as ConnectionCache;
      const r = await runJob(
        { job, trigger: 'manual', dryRun: true, scheduledAt: new Date(Date.now() + 90 * day) },
        { registry: loaded.registry, connections, log: pino({ level: 'silent' }), baseDir: home },
      );
      expect(r.record.outcome, job.name).toBe('success');
      expect(r.actions.length, job.name).toBeGreaterThan(0);
    }
    expect(
      JSON.stringify(
        [...(await remoteTree(h.client)).entries()].map(([k, m]) => [k, m['.tag'] === 'file' ? m.rev : '']),
      ),
    ).toBe(before);
    expect(await readdir(join(home, 'state'), { recursive: true })).toEqual(localBefore);
    const writes = h.emu.requests
      .slice(mark)
      .filter((r) => /upload|delete|create_folder|download|move|copy/.test(r.route));
    expect(writes).toEqual([]);
  });
});

async function readdirRemote(folder: string): Promise<string[]> {
  const out: string[] = [];
  for await (const m of h.client.listFolder(folder)) out.push(m.name);
  return out.sort();
}
