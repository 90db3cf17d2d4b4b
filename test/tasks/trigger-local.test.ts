// The `local` trigger in a real daemon against the sandbox: files arrive in a local
// folder and the job "upload what arrived, then delete it locally" runs on its own,
// once each file has stopped changing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunRecord } from '../../src/store/history.ts';
import { formatProblem } from '../../src/config/problems.ts';
import { loadConfig } from '../../src/config/load.ts';
import { startSandboxDaemon, type SandboxDaemon } from '../helpers/sandbox-daemon.ts';
import { until } from '../helpers/wait.ts';

const STABLE_MS = 1000;
const DEBOUNCE_MS = 1000;

let sd: SandboxDaemon | undefined;
let dir: string;
let started: string[];
let ended: RunRecord[];

beforeEach(() => {
  started = [];
  ended = [];
});
afterEach(async () => {
  await sd?.close();
  sd = undefined;
});

const job = (extra = '') => `name: inbox
connection: box
${extra}trigger:
  local: { path: ./inbox, stableFor: ${STABLE_MS}ms, debounce: ${DEBOUNCE_MS}ms }
tasks:
  - upload: { from: ./inbox, to: /up, deleteSource: true }
`;

/** A daemon with the job; `inbox` holds files there before it starts (the trigger ignores `.keep`). */
async function start(text = job(), inbox: Record<string, string> = {}): Promise<SandboxDaemon> {
  const files: Record<string, string> = { 'jobs/inbox.yaml': text, 'inbox/.keep': '' };
  for (const [name, content] of Object.entries(inbox)) files[`inbox/${name}`] = content;
  sd = await startSandboxDaemon(files);
  dir = sd.dir;
  sd.daemon.scheduler.events.on('run:start', (e) => started.push(e.runId));
  sd.daemon.scheduler.events.on('run:end', (e) => ended.push(e.run));
  return sd;
}

const inbox = async () => (await readdir(join(dir, 'inbox'))).filter((n) => n !== '.keep').sort();
const uploaded = async (name: string) => (await sd!.emu.files.get('sandy', `/up/${name}`))?.toString();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Long enough for a file to settle and its run to start, had one been due. */
const QUIET_MS = STABLE_MS + DEBOUNCE_MS + 1500;

/**
 * `first` arrives, and `second` while first's run is still going (every sandbox call
 * slow): what the job's overlap policy makes of the second.
 */
async function arrivingDuringARun(overlap: 'queue' | 'skip'): Promise<void> {
  await start(job(`overlap: ${overlap}\n`));
  sd!.emu.faults.set({ latencyMs: 1500 });
  await writeFile(join(dir, 'inbox/first.txt'), '1');
  await until(() => started.length === 1, 'the first run to start', QUIET_MS + 20_000);
  await writeFile(join(dir, 'inbox/second.txt'), '2');
  await until(() => ended.length === 2, 'the first run and the one for the second file', 60_000);
}

describe('local trigger', () => {
  it('uploads a file written slowly in pieces once, complete, after it has been stable', async () => {
    await start();
    await sleep(500); // the first look at the folder
    const file = await open(join(dir, 'inbox/slow.log'), 'w');
    const pieces = ['one,', 'two,', 'three,', 'four,', 'five,', 'six'];
    let lastWrite = 0;
    for (const p of pieces) {
      await file.write(p);
      lastWrite = Date.now();
      await sleep(STABLE_MS / 5);
    }
    await file.close();
    await until(() => ended.length === 1, 'the triggered run', QUIET_MS + 20_000);
    const run = ended[0]!;
    expect(run.trigger).toBe('change');
    expect(run.outcome).toBe('success');
    // Not before the file had been still for stableFor.
    expect(Date.parse(run.startedAt) - lastWrite).toBeGreaterThanOrEqual(STABLE_MS);
    expect(run.tasks[0]!.counts).toMatchObject({ uploaded: 1, deletedSource: 1 });
    expect(await uploaded('slow.log')).toBe(pieces.join(''));
    expect(await inbox()).toEqual([]);
    await sleep(QUIET_MS);
    expect(ended).toHaveLength(1);
  });

  it('makes one run of two files arriving together, and leaves temporary names alone', async () => {
    await start();
    await sleep(500);
    await writeFile(join(dir, 'inbox/a.txt'), 'a');
    await writeFile(join(dir, 'inbox/b.txt'), 'b');
    await writeFile(join(dir, 'inbox/c.txt.part'), 'still coming');
    await until(() => ended.length === 1, 'the triggered run', QUIET_MS + 20_000);
    await sleep(QUIET_MS);
    expect(ended).toHaveLength(1);
    expect(ended[0]!.tasks[0]!.counts).toMatchObject({ uploaded: 2 });
    expect([await uploaded('a.txt'), await uploaded('b.txt')]).toEqual(['a', 'b']);
    expect(await uploaded('c.txt.part')).toBeUndefined();
    expect(await inbox()).toEqual(['c.txt.part']);
  });

  it('takes a file that was there before the daemon started', async () => {
    await start(job(), { 'early.txt': 'waiting since before' });
    await until(() => ended.length === 1, 'the run for the file found at start', QUIET_MS + 20_000);
    expect(ended[0]!.trigger).toBe('change');
    expect(await uploaded('early.txt')).toBe('waiting since before');
    expect(await inbox()).toEqual([]);
  });

  it('applies the overlap policy: a file arriving during a run waits in the queued run', async () => {
    await arrivingDuringARun('queue');
    expect(ended.map((r) => [r.outcome, r.tasks[0]?.counts.uploaded])).toEqual([
      ['success', 1],
      ['success', 1],
    ]);
    expect([await uploaded('first.txt'), await uploaded('second.txt')]).toEqual(['1', '2']);
  });

  it('never skips arrived files: under overlap: skip a run follows the running one', async () => {
    // overlap governs clock fires; a change is kept until a run has taken it.
    await arrivingDuringARun('skip');
    expect(ended.map((r) => [r.outcome, r.trigger, r.tasks[0]?.counts.uploaded])).toEqual([
      ['success', 'change', 1],
      ['success', 'change', 1],
    ]);
    expect([await uploaded('first.txt'), await uploaded('second.txt')]).toEqual(['1', '2']);
  });
});

describe('local trigger in a job file', () => {
  async function problems(trigger: string): Promise<string[]> {
    dir = await mkdtemp(join(tmpdir(), 'dropcron-local-trigger-'));
    await mkdir(join(dir, 'connections'), { recursive: true });
    await mkdir(join(dir, 'jobs'), { recursive: true });
    await writeFile(join(dir, 'config.yaml'), 'plugins: [dropbox]\nconnections: ./connections\njobs: ./jobs\n');
    await writeFile(join(dir, 'connections/home.yaml'), 'name: home\ntype: dropbox\nsandbox: true\n');
    await writeFile(
      join(dir, 'jobs/j.yaml'),
      `name: j\nconnection: home\ntrigger:\n  ${trigger}\ntasks:\n  - upload: { from: ./inbox, to: /up }\n`,
    );
    const loaded = await loadConfig(join(dir, 'config.yaml'), { env: {} });
    await rm(dir, { recursive: true, force: true });
    return loaded.problems.map((p) => formatProblem(p, dir));
  }

  it('takes the defaults', async () => {
    expect(await problems('local: { path: ./inbox }')).toEqual([]);
  });

  it('names file:line:col for a missing path and a negative stableFor', async () => {
    const missing = await problems('local: { stableFor: 2s }');
    expect(missing).toEqual(["jobs/j.yaml:4:10 trigger.local is missing required key 'path'"]);
    const negative = await problems('local: { path: ./inbox, stableFor: -1s }');
    expect(negative).toEqual(['jobs/j.yaml:4:38 trigger.local.stableFor must be a duration such as 500ms, 5s or 2m']);
  });
});
