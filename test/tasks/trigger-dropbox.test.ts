// The `dropbox` trigger in a real daemon: the sandbox is an emulator this test holds,
// files arrive through another client (the connector with its own token), and the job
// "download what arrived, then delete it" runs on its own, once per debounce.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { startEmulator } from '../../plugins/dropbox/emulator/index.ts';
import { createDropboxClient } from '../../plugins/dropbox/api/client.ts';
import type { DropboxClient } from '../../plugins/dropbox/api/types.ts';
import dropbox from '../../plugins/dropbox/index.ts';
import { Registry } from '../../src/registry.ts';
import { startDaemon, type Daemon } from '../../src/daemon.ts';
import type { RunRecord } from '../../src/store/history.ts';
import { captureLogger } from '../scheduler/harness.ts';
import { loadConfig } from '../../src/config/load.ts';
import { until } from '../helpers/wait.ts';
import { tokenSource, type Emulator } from './harness.ts';

const DEBOUNCE_MS = 1000;

let emu: Emulator;
let agent: Agent;
let other: DropboxClient;
let dir: string;
let daemon: Daemon | undefined;
let ended: RunRecord[];
let started: string[];

beforeEach(async () => {
  emu = await startEmulator({ port: 0 });
  agent = new Agent();
  other = createDropboxClient({
    dispatcher: agent,
    token: tokenSource(emu),
    endpoints: { api: emu.url, content: emu.url },
  });
  dir = await mkdtemp(join(tmpdir(), 'dropcron-trigger-'));
  ended = [];
  started = [];
});
afterEach(async () => {
  await daemon?.stop('test');
  daemon = undefined;
  await emu.close();
  await agent.close();
  await rm(dir, { recursive: true, force: true });
});

const JOB = `name: inbox
connection: home
trigger:
  dropbox: { path: /inbox, debounce: ${DEBOUNCE_MS}ms }
tasks:
  - download: { from: previous, to: ./got, deleteSource: true }
`;

async function start(job = JOB, config = ''): Promise<Daemon> {
  await mkdir(join(dir, 'connections'), { recursive: true });
  await mkdir(join(dir, 'jobs'), { recursive: true });
  await writeFile(
    join(dir, 'config.yaml'),
    'plugins: [dropbox]\nsandbox: true\nadmin: { enabled: false }\nstate: ./state\nconnections: ./connections\njobs: ./jobs\n' +
      config,
  );
  await writeFile(join(dir, 'connections/home.yaml'), 'name: home\ntype: dropbox\nsandbox: true\n');
  await writeFile(join(dir, 'jobs/inbox.yaml'), job);
  // The daemon's sandbox is this test's emulator, so another client can write to it.
  const registry = new Registry();
  registry.add({ ...dropbox, startSandbox: async () => ({ url: emu.url, close: async () => {} }) });
  const { log } = captureLogger();
  const d = await startDaemon(join(dir, 'config.yaml'), { registry, log, env: {} });
  d.scheduler.events.on('run:end', (e) => ended.push(e.run));
  d.scheduler.events.on('run:start', (e) => started.push(e.runId));
  daemon = d;
  return d;
}

/** Waits until the trigger has its cursor: a change before that is before the watch began. */
async function watching(): Promise<void> {
  const hasCursor = () =>
    emu.requests.some((r) => r.route.endsWith('list_folder/get_latest_cursor') && r.status === 200);
  await until(hasCursor, 'the trigger to take its cursor', 20_000);
}

/** The changes the daemon keeps for the job until a run that took them has ended. */
const pending = () => readFile(join(dir, 'state', 'trigger-pending', 'inbox.json'), 'utf8').catch(() => undefined);

const got = async () => (await readdir(join(dir, 'got')).catch(() => [] as string[])).sort();

describe('dropbox trigger', () => {
  it('runs the job for an upload made by another client, downloading and deleting exactly that file', async () => {
    await other.createFolder('/inbox');
    await emu.files.put('sandy', '/inbox/old.txt', 'there before');
    await start();
    await watching();

    await emu.files.put('sandy', '/elsewhere.txt', 'not watched');
    await other.upload(await local('new.txt', 'arrived'), '/inbox/new.txt');
    const uploaded = Date.now();
    await until(() => ended.length === 1, 'the triggered run', DEBOUNCE_MS + 20_000);
    const run = ended[0]!;
    expect(run.trigger).toBe('change');
    expect(run.error).toBeUndefined();
    expect(run.outcome).toBe('success');
    // Started within the debounce plus a second of the upload (the run's own time aside).
    expect(Date.parse(run.startedAt) - uploaded).toBeLessThan(DEBOUNCE_MS + 1000);
    expect(await got()).toEqual(['new.txt']);
    expect(await readFile(join(dir, 'got/new.txt'), 'utf8')).toBe('arrived');
    expect(await other.getMetadata('/inbox/new.txt')).toBeUndefined();
    expect(await other.getMetadata('/inbox/old.txt')).toBeDefined();
    // Done with: a restart would not hand it to a run again.
    expect(await pending()).toBeUndefined();
  });

  it('folds two uploads within the debounce into one run', async () => {
    await other.createFolder('/inbox');
    // A longer debounce here: both changes must be read within it even on a loaded machine.
    const debounce = 4 * DEBOUNCE_MS;
    await start(JOB.replace(`${DEBOUNCE_MS}ms`, `${debounce}ms`));
    await watching();
    await other.upload(await local('a.txt', 'a'), '/inbox/a.txt');
    // b comes after the watcher has read a's change: two reports, folded by the debounce.
    const reads = () => emu.requests.filter((r) => r.route.endsWith('list_folder/continue')).length;
    await until(() => reads() === 1, "the watcher to read a's change", debounce);
    await other.upload(await local('b.txt', 'b'), '/inbox/b.txt');
    await until(() => reads() === 2, "the watcher to read b's change", debounce);
    await until(() => ended.length === 1, 'the triggered run', debounce + 20_000);
    // Nothing else is coming: a second run would start within another debounce.
    await new Promise((r) => setTimeout(r, debounce + 500));
    expect(ended).toHaveLength(1);
    expect(ended[0]!.tasks[0]!.counts).toMatchObject({ downloaded: 2 });
    expect(await got()).toEqual(['a.txt', 'b.txt']);
  });
});

describe('dropbox trigger across a restart and a reset', () => {
  it('runs for a file that arrived while the daemon was down (the cursor is kept in the store)', async () => {
    await other.createFolder('/inbox');
    await start();
    // Stopped once the cursor is saved: stopped before, the watch has no position to resume from.
    const saved = () =>
      readdir(join(dir, 'state', 'dropbox-trigger-cursors')).then(
        (f) => f.length > 0,
        () => false,
      );
    await until(saved, 'the saved cursor', 20_000);
    await daemon!.stop('test');
    daemon = undefined;
    await other.upload(await local('while-down.txt', 'late'), '/inbox/while-down.txt');
    await start();
    await until(() => ended.length === 1, 'the run for the change made while down', DEBOUNCE_MS + 20_000);
    expect(ended[0]!.trigger).toBe('change');
    expect(await got()).toEqual(['while-down.txt']);
  });

  it('lists the folder again after a reset and hands on every file there', async () => {
    await other.createFolder('/inbox');
    await emu.files.put('sandy', '/inbox/kept.txt', 'kept');
    await start();
    await watching();
    emu.resetCursors();
    await other.upload(await local('after-reset.txt', 'new'), '/inbox/after-reset.txt');
    await until(() => ended.length === 1, 'the run after the reset', DEBOUNCE_MS + 20_000);
    expect(await got()).toEqual(['after-reset.txt', 'kept.txt']);
  });
});

describe('no change is lost', () => {
  const reads = () => emu.requests.filter((r) => r.route.endsWith('list_folder/continue')).length;
  const cursorFile = join('state', 'dropbox-trigger-cursors', 'inbox.json');
  const cursor = () => readFile(join(dir, cursorFile), 'utf8').catch(() => '');

  it('downloads a file whose debounce the daemon stopped in, after the restart', async () => {
    await other.createFolder('/inbox');
    const debounce = 4 * DEBOUNCE_MS;
    await start(JOB.replace(`${DEBOUNCE_MS}ms`, `${debounce}ms`));
    await watching();
    await until(async () => (await cursor()) !== '', 'the first cursor', 20_000);
    const before = await cursor();
    await other.upload(await local('in-debounce.txt', 'kept'), '/inbox/in-debounce.txt');
    // Stopped once the watcher read the change and moved its cursor past it, before the run.
    await until(async () => reads() === 1 && (await cursor()) !== before, 'the cursor past the change', debounce);
    await daemon!.stop('test');
    daemon = undefined;
    expect(ended).toEqual([]);

    await start();
    await until(() => ended.length === 1, 'the run after the restart', debounce + 20_000);
    expect(ended[0]).toMatchObject({ trigger: 'change', outcome: 'success' });
    expect(await got()).toEqual(['in-debounce.txt']);
  });

  it('downloads again a file whose run was aborted by the shutdown', async () => {
    await other.createFolder('/inbox');
    await start(JOB, 'shutdownGraceSeconds: 0\n');
    await watching();
    // Slow enough that the run is still downloading when the daemon stops.
    emu.faults.set({ bandwidthBytesPerSec: 256 * 1024 });
    await emu.files.put('sandy', '/inbox/big.bin', Buffer.alloc(4 * 1024 * 1024, 7));
    await until(() => started.length === 1, 'the run to start', DEBOUNCE_MS + 20_000);
    await daemon!.stop('test');
    daemon = undefined;
    expect(ended.map((r) => r.outcome)).toEqual(['aborted']);
    expect(await got()).toEqual([]);
    expect(await pending()).toContain('big.bin');

    emu.faults.set({ bandwidthBytesPerSec: 0 });
    await start();
    await until(() => ended.length === 2, 'the run after the restart', DEBOUNCE_MS + 20_000);
    expect(ended[1]).toMatchObject({ trigger: 'change', outcome: 'success' });
    expect(await got()).toEqual(['big.bin']);
    expect(await pending()).toBeUndefined();
  });

  it('with overlap: skip, keeps a change met by a running run for a run after it', async () => {
    await other.createFolder('/inbox');
    await start(JOB.replace('connection: home', 'connection: home\noverlap: skip'));
    await watching();
    emu.faults.set({ bandwidthBytesPerSec: 256 * 1024 });
    await emu.files.put('sandy', '/inbox/first.bin', Buffer.alloc(4 * 1024 * 1024, 1));
    await until(() => started.length === 1, 'the first run to start', DEBOUNCE_MS + 20_000);
    await other.upload(await local('second.txt', 'second'), '/inbox/second.txt');
    await until(() => reads() === 2, "the watcher to read the second upload's change", 20_000);
    // The second change's debounce ends while the first run still downloads.
    await new Promise((r) => setTimeout(r, DEBOUNCE_MS + 500));
    expect(ended).toEqual([]);
    emu.faults.set({ bandwidthBytesPerSec: 0 });

    await until(() => ended.length === 2, 'the follow-up run', 60_000);
    expect(ended.map((r) => [r.trigger, r.outcome])).toEqual([
      ['change', 'success'],
      ['change', 'success'],
    ]);
    expect(ended[0]!.tasks[0]!.counts).toMatchObject({ downloaded: 1 });
    expect(ended[1]!.tasks[0]!.counts).toMatchObject({ downloaded: 1 });
    expect(await got()).toEqual(['first.bin', 'second.txt']);
  });
});

describe('trigger in a job file', () => {
  async function load(job: string) {
    await mkdir(join(dir, 'connections'), { recursive: true });
    await mkdir(join(dir, 'jobs'), { recursive: true });
    await writeFile(join(dir, 'config.yaml'), 'plugins: [dropbox]\nconnections: ./connections\njobs: ./jobs\n');
    await writeFile(join(dir, 'connections/home.yaml'), 'name: home\ntype: dropbox\nsandbox: true\n');
    await writeFile(join(dir, 'jobs/j.yaml'), job);
    return loadConfig(join(dir, 'config.yaml'), { env: {} });
  }
  const TASKS = 'connection: home\ntasks:\n  - list: { path: /inbox }\n';

  it('stands in for the schedule, with the default debounce', async () => {
    const loaded = await load(`name: j\ntrigger: { dropbox: { path: /inbox } }\n${TASKS}`);
    expect(loaded.problems).toEqual([]);
    expect(loaded.jobs[0]).toMatchObject({
      trigger: { type: 'dropbox', options: { path: '/inbox', recursive: false }, debounceMs: 5000 },
    });
    expect(loaded.jobs[0]!.schedule).toBeUndefined();
  });

  it('is refused when unknown, and a job needs a schedule or a trigger', async () => {
    const unknown = await load(`name: j\ntrigger: { ftp: { path: /x } }\n${TASKS}`);
    expect(unknown.problems.map((p) => p.path)).toContain('trigger.ftp');
    const neither = await load(`name: j\n${TASKS}`);
    expect(neither.jobs).toEqual([]);
    expect(neither.problems.map((p) => p.message)).toEqual([
      "is missing required key 'schedule'",
      "is missing required key 'trigger'",
    ]);
  });
});

async function local(name: string, content: string): Promise<string> {
  const p = join(dir, `src-${name}`);
  await writeFile(p, content);
  return p;
}
