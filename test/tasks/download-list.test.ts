// list and download against the emulator through the real connector, including a
// hostile listing whose names try to climb out of the target folder.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { createDropboxClient } from '../../plugins/dropbox/api/client.ts';
import { contentHash } from '../../plugins/dropbox/api/content-hash.ts';
import { listTask } from '../../plugins/dropbox/tasks/list.ts';
import { downloadTask } from '../../plugins/dropbox/tasks/download.ts';
import { localTree, remoteSnapshot, startHarness, tokenSource, type Harness } from './harness.ts';

let h: Harness;
const day = 86_400_000;
beforeAll(async () => {
  h = await startHarness();
  const put = (p: string, c: string, daysAgo = 0) =>
    h.emu.files.put('sandy', p, c, { clientModified: new Date(Date.now() - daysAgo * day) });
  await put('/data/report 2026.csv', 'a,b\n1,2\n', 1);
  await put('/data/Überblick 日本.txt', 'unicode content', 2);
  await put('/data/big.bin', 'x'.repeat(5000), 3);
  await put('/data/old.log', 'old', 40);
  await put('/data/sub/deep.txt', 'deep', 1);
  await put('/data/sub/deeper/deepest.txt', 'deepest', 1);
});
afterAll(async () => h.close());

const names = (out: unknown) => (out as { items: Array<{ name: string }> }).items.map((i) => i.name);

describe('list', () => {
  it('filters by mask, type, date and size, sorts and limits, hands the matches on', async () => {
    const all = await h.run(listTask, { path: '/data', recursive: true });
    expect(names(all.output).sort()).toEqual(
      ['big.bin', 'deep.txt', 'deepest.txt', 'old.log', 'report 2026.csv', 'Überblick 日本.txt'].sort(),
    );
    const txt = await h.run(listTask, { path: '/data', include: '*.txt' });
    expect(names(txt.output)).toEqual(['Überblick 日本.txt']);
    const recent = await h.run(listTask, {
      path: '/data',
      newerThan: '30d',
      maxSize: '1KB',
      sort: { by: 'modified', order: 'desc' },
    });
    expect(names(recent.output)).toEqual(['report 2026.csv', 'Überblick 日本.txt']);
    const largest = await h.run(listTask, {
      path: '/data',
      recursive: true,
      sort: { by: 'size', order: 'desc' },
      limit: 2,
    });
    expect(names(largest.output)).toEqual(['big.bin', 'Überblick 日本.txt']);
    const folders = await h.run(listTask, { path: '/data', recursive: true, type: 'folders' });
    expect(names(folders.output).sort()).toEqual(['deeper', 'sub']);
    const regex = await h.run(listTask, { path: '/data', include: '^report \\d{4}\\.csv$', regex: true });
    expect(names(regex.output)).toEqual(['report 2026.csv']);
  });

  it('writes CSV and JSON atomically, and nothing in a dry run', async () => {
    const csvFile = join(h.dir, 'out', 'list-{date}.csv');
    const res = await h.run(
      listTask,
      { path: '/data', include: ['*.csv', '*.txt'], output: { file: csvFile, format: 'csv' } },
      { now: new Date('2026-05-04T12:00:00Z') },
    );
    const written = join(h.dir, 'out', 'list-2026-05-04.csv');
    const csv = await readFile(written, 'utf8');
    const lines = csv.split('\r\n');
    expect(lines[0]).toBe('type,name,path,size,client_modified,server_modified,content_hash,id,rev');
    expect(lines[1]).toMatch(/^file,report 2026.csv,\/data\/report 2026.csv,8,/);
    expect(lines[1]).toContain(contentHash(Buffer.from('a,b\n1,2\n')));
    expect(lines).toHaveLength(4); // header, two rows, trailing empty
    expect(res.actions.at(-1)).toMatchObject({ action: 'write', target: written });

    const jsonFile = join(h.dir, 'out', 'list.json');
    await h.run(listTask, { path: '/data', output: { file: jsonFile } });
    expect(
      JSON.parse(await readFile(jsonFile, 'utf8'))
        .map((m: { name: string }) => m.name)
        .sort(),
    ).toEqual(['big.bin', 'old.log', 'report 2026.csv', 'Überblick 日本.txt']);

    const dry = join(h.dir, 'out', 'dry.csv');
    const d = await h.run(listTask, { path: '/data', output: { file: dry, format: 'csv' } }, { dryRun: true });
    expect(existsSync(dry)).toBe(false);
    expect(d.actions.at(-1)!.reason).toMatch(/would write 4 entries/);
  });

  it('a folder that does not exist lists nothing, with a warning; a file is not a folder', async () => {
    const res = await h.run(listTask, { path: '/does-not-exist' });
    expect(names(res.output)).toEqual([]);
    expect(res.warnings).toEqual(['/does-not-exist does not exist: nothing to list']);
    await expect(h.run(listTask, { path: '/data/old.log' })).rejects.toThrow(/is a file, not a folder/);
  });
});

describe('download', () => {
  it('downloads a folder recursively with Unicode names, keeps modification times and content', async () => {
    const to = join(h.dir, 'dl1');
    const res = await h.run(downloadTask, { from: '/data', to, recursive: true, exclude: '*.log' });
    expect(res.counts.downloaded).toBe(5);
    expect(Object.keys(await localTree(to)).sort()).toEqual(
      ['big.bin', 'report 2026.csv', 'sub/deep.txt', 'sub/deeper/deepest.txt', 'Überblick 日本.txt'].sort(),
    );
    expect(await readFile(join(to, 'Überblick 日本.txt'), 'utf8')).toBe('unicode content');
    const meta = await h.client.getMetadata('/data/report 2026.csv');
    expect((await stat(join(to, 'report 2026.csv'))).mtime.toISOString().replace('.000', '')).toBe(
      (meta as { client_modified: string }).client_modified,
    );
  });

  it('from: previous takes the list, keeping paths below the listed folder', async () => {
    const list = await h.run(listTask, { path: '/data', recursive: true, include: 'deep*.txt' });
    const to = join(h.dir, 'dl2');
    const res = await h.run(downloadTask, { from: 'previous', to }, { input: list.output });
    expect(res.counts.downloaded).toBe(2);
    expect(Object.keys(await localTree(to)).sort()).toEqual(['sub/deep.txt', 'sub/deeper/deepest.txt']);
    await expect(h.run(downloadTask, { from: 'previous', to })).rejects.toThrow(/needs a task before it/);
  });

  it('overwrite policies compare with the local file', async () => {
    const to = join(h.dir, 'dl3');
    await mkdir(to, { recursive: true });
    const old = new Date(Date.now() - 400 * day);
    await writeFile(join(to, 'report 2026.csv'), 'a,b\n1,2\n'); // identical content
    await writeFile(join(to, 'old.log'), 'OLD'); // same size, different content
    await utimes(join(to, 'old.log'), old, old);
    await writeFile(join(to, 'big.bin'), 'short');
    const r1 = await h.run(downloadTask, { from: '/data', to, overwrite: 'if-different' });
    const by = (t: string) => r1.actions.find((a) => a.target === `/data/${t}`)!;
    expect(by('report 2026.csv')).toMatchObject({ action: 'skip', reason: expect.stringMatching(/unchanged/) });
    expect(by('old.log')).toMatchObject({ action: 'download', reason: expect.stringMatching(/different content/) });
    expect(by('big.bin')).toMatchObject({ action: 'download', reason: expect.stringMatching(/different size/) });
    expect(await readFile(join(to, 'old.log'), 'utf8')).toBe('old');

    await writeFile(join(to, 'old.log'), 'new local');
    const r2 = await h.run(downloadTask, { from: '/data', to, overwrite: 'if-newer' });
    expect(r2.actions.find((a) => a.target === '/data/old.log')!.action).toBe('skip'); // local is newer
    const r3 = await h.run(downloadTask, { from: '/data', to, overwrite: 'never', include: 'old.log' });
    expect(r3.counts.downloaded ?? 0).toBe(0);
    expect(await readFile(join(to, 'old.log'), 'utf8')).toBe('new local');
    const r4 = await h.run(downloadTask, { from: '/data', to, overwrite: 'always', include: 'old.log' });
    expect(r4.counts.downloaded).toBe(1);
    expect(await readFile(join(to, 'old.log'), 'utf8')).toBe('old');
  });

  it('deleteSource removes the Dropbox file after a verified download; dry run changes nothing', async () => {
    await h.emu.files.put('sandy', '/inbox/a.txt', 'first');
    await h.emu.files.put('sandy', '/inbox/b b.txt', 'second');
    const to = join(h.dir, 'dl4');
    const remoteBefore = await remoteSnapshot(h.client);
    const dry = await h.run(downloadTask, { from: '/inbox', to, deleteSource: true }, { dryRun: true });
    expect(dry.actions.map((a) => a.action)).toEqual(['download', 'download']);
    expect(existsSync(to)).toBe(false);
    expect(await remoteSnapshot(h.client)).toEqual(remoteBefore);

    const res = await h.run(downloadTask, { from: '/inbox', to, deleteSource: true });
    expect(res.counts).toMatchObject({ downloaded: 2, deletedSource: 2 });
    expect(await readFile(join(to, 'b b.txt'), 'utf8')).toBe('second');
    expect(await h.client.getMetadata('/inbox/a.txt')).toBeUndefined();
  });
});

describe('a hostile listing', () => {
  // Dropbox (and so the emulator) will not store a name like '..' or 'a/b', so the
  // hostile names are put into the list_folder answers by a loopback proxy in front
  // of the emulator's API host. The connector and task see them exactly as they would
  // come from a malicious or broken server.
  let proxy: Server;
  let agent: Agent;
  const hostile: Record<string, string> = {
    'evil1.txt': '../evil1.txt',
    'evil2.txt': '../../etc/evil2.txt',
    'evil3.txt': '..\\..\\evil3.txt',
    'evil4.txt': '/abs/evil4.txt',
    'evil5.txt': 'nul\0evil5.txt',
    'evil6.txt': '..',
  };
  beforeAll(async () => {
    for (const n of Object.keys(hostile)) await h.emu.files.put('sandy', `/share/${n}`, `payload ${n}`);
    await h.emu.files.put('sandy', '/share/good.txt', 'good');
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const headers = { ...req.headers };
        delete headers.host;
        delete headers.connection;
        delete headers['content-length'];
        const up = await request(h.emu.url + req.url, {
          method: req.method as 'POST',
          headers,
          body: chunks.length ? Buffer.concat(chunks) : undefined,
        });
        let body = Buffer.from(await up.body.arrayBuffer());
        if (/\/2\/files\/list_folder(\/continue)?$/.test(req.url ?? '') && up.statusCode === 200) {
          const page = JSON.parse(body.toString('utf8'));
          for (const e of page.entries) {
            const bad = hostile[e.name];
            if (!bad) continue;
            e.name = bad;
            e.path_display = `/share/${bad}`;
            e.path_lower = `/share/${bad}`.toLowerCase();
          }
          body = Buffer.from(JSON.stringify(page));
        }
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(up.headers))
          if (v !== undefined && !['content-length', 'transfer-encoding', 'connection'].includes(k)) out[k] = v;
        res.writeHead(up.statusCode, { ...out, 'content-length': String(body.length) });
        res.end(body);
      });
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    agent = new Agent();
  });
  afterAll(async () => {
    await agent.close();
    await new Promise((r) => proxy.close(r));
  });

  it('skips every name that could leave the target folder, with a warning, and downloads the rest', async () => {
    const api = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const client = createDropboxClient({
      dispatcher: agent,
      token: tokenSource(h.emu),
      endpoints: { api, content: h.emu.url },
    });
    const base = join(h.dir, 'hostile');
    const to = join(base, 'a', 'b', 'target');
    const res = await h.run(downloadTask, { from: '/share', to }, { connection: client });
    expect(res.counts.downloaded).toBe(1);
    expect(res.counts.unsafe).toBe(Object.keys(hostile).length);
    expect(res.warnings.filter((w) => /unsafe name/.test(w))).toHaveLength(Object.keys(hostile).length);
    expect(await localTree(base)).toEqual({ 'a/b/target/good.txt': expect.anything() });
    expect(existsSync(join(h.dir, 'evil1.txt'))).toBe(false);
    expect(existsSync('/abs/evil4.txt')).toBe(false);
    expect(existsSync('/etc/evil2.txt')).toBe(false);
  });
});
