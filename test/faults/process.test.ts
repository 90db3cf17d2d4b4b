// Process faults (issue 12): the real `dropcron` command killed with SIGKILL mid-transfer
// and run again, and the daemon stopped with SIGTERM mid-run under its grace period. The
// emulator runs here, capped in bandwidth so a transfer is slow enough to be cut; each
// case checks the files by hash on both ends, the history, duplicates and leftovers.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../plugins/dropbox/emulator/index.ts';
import { readRangeRecord, type SavedRanges } from '../../plugins/dropbox/api/range-record.ts';
import { until } from '../helpers/wait.ts';
import { recordFault } from './report.ts';
import {
  bigFile,
  fileSha256,
  MiB,
  processWorld,
  remoteNames,
  sha256,
  type Child,
  type ProcessWorld,
} from './process-world.ts';

// 32 MiB is the connector's chunk (not a setting): 72 MiB is three appends, so a kill
// after the first checkpoint leaves a session to resume.
const BIG = 72 * MiB;
const SLOW = 16 * MiB; // bytes/s per request: one chunk takes 2 s

let emu: Emulator;
let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dropcron-fproc-emu-'));
  emu = await startEmulator({ port: 0, dataDir });
});
afterAll(async () => {
  await emu.close();
  await rm(dataDir, { recursive: true, force: true });
});
// Each case's folder holds tens of MiB: not left in the shared /tmp.
const worlds: ProcessWorld[] = [];
const world = async (config?: string) => {
  const w = await processWorld(emu, config);
  worlds.push(w);
  return w;
};
afterEach(async () => {
  for (const w of worlds.splice(0)) {
    for (const c of w.children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
    await Promise.all(w.children.map((c) => c.exited));
    await rm(w.dir, { recursive: true, force: true });
  }
});

const slow = (bandwidthBytesPerSec: number | undefined) => emu.faults.set({ bandwidthBytesPerSec });

/** The emulator's requests from `since` on whose route starts with `prefix`. */
const requestsSince = (since: number, prefix: string) =>
  emu.requests.filter((r) => r.at >= since && r.route.startsWith(prefix));

async function killed(child: Child): Promise<void> {
  child.proc.kill('SIGKILL');
  const { signal } = await child.exited;
  expect(signal).toBe('SIGKILL');
}

async function succeeds(child: Child): Promise<void> {
  const { code } = await child.exited;
  expect(code, child.output()).toBe(0);
}

describe('SIGKILL, then run again', () => {
  it('mid-upload of a multi-chunk file: the session resumes from its checkpoint; one copy', async () => {
    const w = await world();
    await mkdir(join(w.dir, 'src'));
    const local = join(w.dir, 'src', 'big.bin');
    await bigFile(local, BIG, 1);
    await w.job('up', `  - upload: { from: ${JSON.stringify(join(w.dir, 'src'))}, to: /kill-up }\n`);

    slow(SLOW);
    const first = w.dropcron('run', 'up');
    await until(async () => (await w.checkpoints()).some((c) => c.offset > 0), 'a checkpointed chunk', 45_000);
    const [cp] = await w.checkpoints();
    await killed(first);
    const uncommitted = remoteNames(emu, '/kill-up').length === 0;

    slow(undefined);
    const since = Date.now();
    const second = w.dropcron('run', 'up');
    await succeeds(second);
    const sent = requestsSince(since, 'files/upload').reduce((n, r) => n + r.bytesIn, 0);
    const restarted = requestsSince(since, 'files/upload_session/start').length;
    const names = remoteNames(emu, '/kill-up');
    const remote = await emu.files.get('sandy', '/kill-up/big.bin');
    const equal = remote !== undefined && sha256(remote) === (await fileSha256(local));
    const [again, firstRun, ...older] = await w.history('up');
    const leftover = await w.checkpoints();

    const ok =
      uncommitted &&
      sent > 0 &&
      sent < BIG &&
      restarted === 0 &&
      equal &&
      names.length === 1 &&
      again?.outcome === 'success' &&
      firstRun?.outcome === 'interrupted' &&
      older.length === 0 &&
      leftover.length === 0;
    recordFault({
      fault: 'SIGKILL mid-upload (72 MiB, 32 MiB chunks), rerun',
      outcome: `1st interrupted at ${cp!.offset / MiB} MiB checkpointed; 2nd ${restarted ? 'started a new session' : 'resumed the session'}, sent ${(sent / MiB).toFixed(0)} of 72 MiB`,
      checked: `${equal ? 1 : 0}/1 hash-equal both ends, ${names.length} copy, ${leftover.length} checkpoints left`,
      ok,
    });
    expect(uncommitted).toBe(true);
    expect(restarted).toBe(0);
    expect(sent).toBeGreaterThan(0);
    expect(sent).toBeLessThan(BIG);
    expect(sent).toBeLessThanOrEqual(BIG - cp!.offset);
    expect(equal).toBe(true);
    expect(names).toEqual(['big.bin']);
    expect(firstRun).toMatchObject({ outcome: 'interrupted', code: 'DC_INTERRUPTED' });
    expect(again).toMatchObject({ outcome: 'success', tasks: [{ type: 'upload', counts: { uploaded: 1 } }] });
    expect(older).toEqual([]);
    expect(leftover).toEqual([]);
  });

  it('mid-download: the ranged part file is resumed where its record says; no part file left', async () => {
    const w = await world();
    const seed = join(w.dir, 'seed.bin');
    await bigFile(seed, BIG, 2);
    const bytes = await readFile(seed);
    await emu.files.put('sandy', '/kill-down/big.bin', bytes);
    const dst = join(w.dir, 'dst');
    await w.job('down', `  - download: { from: /kill-down, to: ${JSON.stringify(dst)} }\n`);

    slow(SLOW);
    const first = w.dropcron('run', 'down');
    // 72 MiB comes in 4 ranges side by side: the record in the part says what is on disk.
    const onDisk = async () => {
      const part = (await readdir(dst).catch(() => [] as string[])).find((n) => n.endsWith('.ranged.dropcron-part'));
      if (!part) return undefined;
      const fh = await open(join(dst, part), 'r');
      try {
        return await readRangeRecord(fh);
      } finally {
        await fh.close();
      }
    };
    const keptBytes = (r: SavedRanges | undefined) => r?.ranges.reduce((n, x) => n + x.done, 0) ?? 0;
    await until(async () => keptBytes(await onDisk()) >= 8 * MiB, '8 MiB in the part file', 45_000);
    await killed(first);
    const record = await onDisk();
    const kept = keptBytes(record);

    slow(undefined);
    const since = Date.now();
    const second = w.dropcron('run', 'down');
    await succeeds(second);
    const downloads = requestsSince(since, 'files/download');
    const served = downloads.reduce((n, r) => n + r.bytesOut, 0);
    const ranges = downloads.map((r) => r.headers['range']);
    const starts = ranges.map((r) => Number(/^bytes=(\d+)-/.exec(r ?? '')?.[1] ?? 0)).sort((a, b) => a - b);
    const expected = (record?.ranges ?? []).filter((r) => r.done < r.end - r.start).map((r) => r.start + r.done);
    const left = await readdir(dst);
    const equal = (await fileSha256(join(dst, 'big.bin'))) === sha256(bytes);
    const [again, firstRun] = await w.history('down');

    const ok =
      kept > 0 &&
      served === BIG - kept &&
      JSON.stringify(starts) === JSON.stringify(expected) &&
      equal &&
      left.length === 1 &&
      again?.outcome === 'success' &&
      firstRun?.outcome === 'interrupted';
    recordFault({
      fault: 'SIGKILL mid-download (72 MiB, 4 ranges), rerun',
      outcome: `1st interrupted with ${(kept / MiB).toFixed(0)} MiB recorded in the part file; 2nd asked Range ${ranges.join(', ') || 'none'}, served ${(served / MiB).toFixed(0)} MiB`,
      checked: `${equal ? 1 : 0}/1 hash-equal both ends, ${left.filter((n) => n.endsWith('.dropcron-part')).length} part files left`,
      ok,
    });
    expect(kept).toBeGreaterThan(0);
    // Each unfinished range is asked from where the record says, and nothing on disk again.
    expect(starts).toEqual(expected);
    expect(served).toBe(BIG - kept);
    expect(equal).toBe(true);
    expect(left).toEqual(['big.bin']);
    expect(firstRun).toMatchObject({ outcome: 'interrupted' });
    expect(again).toMatchObject({ outcome: 'success', tasks: [{ type: 'download', counts: { downloaded: 1 } }] });
  });

  it('mid-upload of many small files: the rerun ends with every file there once', async () => {
    const w = await world();
    const src = join(w.dir, 'many');
    await mkdir(src);
    // Two batches (the task commits 500 at a time, one finish_batch each): killed once the
    // first is committed, while the second's 200 go in (the pacer spaces calls 10 ms apart).
    const N = 700;
    const content = (i: number) => `file ${i}\n`.repeat(200 + (i % 7));
    for (let i = 0; i < N; i++) await writeFile(join(src, `f${String(i).padStart(4, '0')}.txt`), content(i));
    await w.job('many', `  - upload: { from: ${JSON.stringify(src)}, to: /kill-many }\n`);

    slow(undefined);
    const since = Date.now();
    const first = w.dropcron('run', 'many');
    await until(
      () => requestsSince(since, 'files/upload_session/finish_batch').some((r) => r.status === 200),
      'the first batch committed',
      45_000,
    );
    await killed(first);
    const atKill = remoteNames(emu, '/kill-many').length;

    await succeeds(w.dropcron('run', 'many'));
    const names = remoteNames(emu, '/kill-many');
    let equal = 0;
    for (let i = 0; i < N; i++) {
      const name = `f${String(i).padStart(4, '0')}.txt`;
      if ((await emu.files.get('sandy', `/kill-many/${name}`))?.toString() === content(i)) equal++;
    }
    const copies = names.filter((n) => / \(\d+\)/.test(n));
    const [again, firstRun] = await w.history('many');

    const ok =
      atKill > 0 &&
      atKill < N &&
      names.length === N &&
      equal === N &&
      copies.length === 0 &&
      again?.outcome === 'success' &&
      firstRun?.outcome === 'interrupted';
    recordFault({
      fault: `SIGKILL mid-upload of ${N} small files, rerun`,
      outcome: `1st interrupted with ${atKill} committed; 2nd succeeded, uploaded ${again?.tasks[0]?.counts.uploaded ?? 0}`,
      checked: `${equal}/${N} hash-equal both ends, ${copies.length} (1) copies`,
      ok,
    });
    expect(atKill).toBeGreaterThan(0);
    expect(atKill).toBeLessThan(N);
    expect(names).toHaveLength(N);
    expect(copies).toEqual([]);
    expect(equal).toBe(N);
    expect(firstRun).toMatchObject({ outcome: 'interrupted' });
    expect(again).toMatchObject({
      outcome: 'success',
      tasks: [{ type: 'upload', counts: { uploaded: N - atKill, skipped: atKill } }],
    });
  });
});

describe('SIGTERM to the daemon mid-run', () => {
  /**
   * A daemon whose job, started every second, uploads one `size` file; SIGTERM once a
   * run is going, or with `afterCheckpoint` once its first chunk is checkpointed.
   */
  async function stoppedMidRun(grace: number, folder: string, size: number, afterCheckpoint: boolean) {
    const w = await world(`shutdownGraceSeconds: ${grace}\n`);
    await mkdir(join(w.dir, 'src'));
    const local = join(w.dir, 'src', 'big.bin');
    await bigFile(local, size, 3);
    await w.job('term', `  - upload: { from: ${JSON.stringify(join(w.dir, 'src'))}, to: ${folder} }\n`, '* * * * * *');
    slow(SLOW);
    const daemon = w.dropcron('start');
    const running = join(w.stateDir, 'running');
    await until(async () => (await readdir(running).catch(() => [])).length > 0, 'a run to start', 45_000);
    if (afterCheckpoint)
      await until(async () => (await w.checkpoints()).some((c) => c.offset > 0), 'a checkpointed chunk', 45_000);
    daemon.proc.kill('SIGTERM');
    const { code } = await daemon.exited;
    slow(undefined);
    const runs = (await w.history('term')).filter((r) => r.outcome !== 'skipped');
    // The daemon recorded the run itself: no marker is left for the next start to call interrupted.
    const markers = await readdir(running);
    return { w, local, code, runs, markers, output: daemon.output() };
  }

  it('with a grace long enough: the run finishes its upload, then the daemon exits 0', async () => {
    const { w, local, code, runs, markers, output } = await stoppedMidRun(30, '/term-grace', 40 * MiB, false);
    const names = remoteNames(emu, '/term-grace');
    const remote = await emu.files.get('sandy', '/term-grace/big.bin');
    const equal = remote !== undefined && sha256(remote) === (await fileSha256(local));
    const leftover = await w.checkpoints();
    const ok =
      code === 0 &&
      runs.length === 1 &&
      runs[0]!.outcome === 'success' &&
      markers.length === 0 &&
      equal &&
      names.length === 1 &&
      leftover.length === 0;
    recordFault({
      fault: 'SIGTERM mid-upload, grace 30 s',
      outcome: `run ${runs.map((r) => r.outcome).join(', ')} (grace 30 s); daemon exit ${code}`,
      checked: `${equal ? 1 : 0}/1 hash-equal both ends, ${names.length} copy, ${leftover.length} checkpoints left`,
      ok,
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/waiting up to 30s for 1 running job/);
    expect(runs).toMatchObject([{ outcome: 'success', tasks: [{ counts: { uploaded: 1 } }] }]);
    expect(markers).toEqual([]);
    expect(equal).toBe(true);
    expect(names).toEqual(['big.bin']);
    expect(leftover).toEqual([]);
  });

  it('with a grace too short: the run is aborted cleanly, nothing half-written; a rerun resumes it', async () => {
    // Stopped in its second 2-second chunk: 1 s of grace cannot see it through.
    const { w, local, code, runs, markers, output } = await stoppedMidRun(1, '/term-short', BIG, true);
    const after = remoteNames(emu, '/term-short');
    const kept = await w.checkpoints();
    const since = Date.now();
    await succeeds(w.dropcron('run', 'term'));
    const sent = requestsSince(since, 'files/upload').reduce((n, r) => n + r.bytesIn, 0);
    const restarted = requestsSince(since, 'files/upload_session/start').length;
    const names = remoteNames(emu, '/term-short');
    const remote = await emu.files.get('sandy', '/term-short/big.bin');
    const equal = remote !== undefined && sha256(remote) === (await fileSha256(local));
    const [rerun] = await w.history('term');
    const ok =
      code === 0 &&
      runs.length === 1 &&
      runs[0]!.outcome === 'aborted' &&
      markers.length === 0 &&
      after.length === 0 &&
      kept.length === 1 &&
      restarted === 0 &&
      sent < BIG &&
      rerun?.outcome === 'success' &&
      equal &&
      names.length === 1;
    recordFault({
      fault: 'SIGTERM mid-upload, grace 1 s, rerun',
      outcome: `run ${runs.map((r) => r.outcome).join(', ')} after the grace, ${after.length} files committed, checkpoint kept at ${(kept[0]?.offset ?? 0) / MiB} MiB; rerun ${rerun?.outcome}, ${restarted ? 'new session' : 'session resumed'}, sent ${(sent / MiB).toFixed(0)} of 72 MiB`,
      checked: `${equal ? 1 : 0}/1 hash-equal both ends, ${names.length} copy`,
      ok,
    });
    expect(code, output).toBe(0);
    expect(output).toMatch(/grace period over: aborting running jobs/);
    expect(runs).toMatchObject([
      { outcome: 'aborted', code: 'DC_ABORTED', error: 'aborted: dropcron is shutting down' },
    ]);
    expect(markers).toEqual([]);
    expect(after).toEqual([]);
    expect(kept).toHaveLength(1);
    expect(restarted).toBe(0);
    expect(sent).toBeLessThanOrEqual(BIG - kept[0]!.offset);
    expect(rerun).toMatchObject({ outcome: 'success', tasks: [{ counts: { uploaded: 1 } }] });
    expect(equal).toBe(true);
    expect(names).toEqual(['big.bin']);
  });
});
