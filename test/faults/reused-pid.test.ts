// What a kill -9 leaves behind, when the killed process's pid runs again as another
// process (a restarted container starts with the same few pids): the real `dropcron` is
// killed mid-download, its pid on the run marker and on the part file is then given to a
// live stranger (PID reuse, which a test cannot force, so the files are relabelled), and
// the next start must still see the run as interrupted, resume the abandoned part and
// sweep the marker's temp file a kill caught mid-write.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, type Emulator } from '../../plugins/dropbox/emulator/index.ts';
import { PART_STALE_MS } from '../../plugins/dropbox/api/part-files.ts';
import { until } from '../helpers/wait.ts';
import { bigFile, fileSha256, MiB, processWorld, sha256, type ProcessWorld } from './process-world.ts';

const SIZE = 24 * MiB;

let emu: Emulator;
let dataDir: string;
let w: ProcessWorld | undefined;
const stranger = spawn('sleep', ['300'], { stdio: 'ignore' });
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'dropcron-reused-pid-emu-'));
  emu = await startEmulator({ port: 0, dataDir });
});
afterAll(async () => {
  stranger.kill('SIGKILL');
  for (const c of w?.children ?? []) if (c.proc.exitCode === null && c.proc.signalCode === null) c.proc.kill('SIGKILL');
  await Promise.all((w?.children ?? []).map((c) => c.exited));
  await emu.close();
  if (w) await rm(w.dir, { recursive: true, force: true });
  await rm(dataDir, { recursive: true, force: true });
});

it('a killed run whose pid now runs another process: recorded interrupted, its part resumed, temp files swept', async () => {
  w = await processWorld(emu);
  const seed = join(w.dir, 'seed.bin');
  await bigFile(seed, SIZE, 3);
  const bytes = await readFile(seed);
  await emu.files.put('sandy', '/reused/big.bin', bytes);
  const dst = join(w.dir, 'dst');
  await w.job('down', `  - download: { from: /reused, to: ${JSON.stringify(dst)} }\n`);
  const running = join(w.stateDir, 'running');
  const part = async () => (await readdir(dst).catch(() => [] as string[])).find((n) => n.endsWith('.dropcron-part'));

  emu.faults.set({ bandwidthBytesPerSec: 2 * MiB });
  const first = w.dropcron('run', 'down');
  await until(async () => (await readdir(running).catch(() => [])).length > 0, 'the run marker', 45_000);
  const kept = async () => {
    const name = await part();
    return name ? (await stat(join(dst, name))).size : 0;
  };
  await until(async () => (await kept()) >= 4 * MiB, '4 MiB in the part file', 45_000);
  first.proc.kill('SIGKILL');
  expect((await first.exited).signal).toBe('SIGKILL');
  emu.faults.set({ bandwidthBytesPerSec: undefined });

  // The killed process's pid now belongs to a live stranger: on the marker, and in the part's name.
  const pid = first.proc.pid!;
  const [markerName] = await readdir(running);
  const markerFile = join(running, markerName!);
  const marker = JSON.parse(await readFile(markerFile, 'utf8')) as { pid: number; since?: string };
  expect(marker.pid).toBe(pid);
  expect(marker.since).toMatch(/^[0-9a-f-]+:\d+$/); // boot id and start time (Linux)
  await writeFile(markerFile, JSON.stringify({ ...marker, pid: stranger.pid }));
  const partName = (await part())!;
  const reused = partName.replace(`.${pid}-`, `.${stranger.pid}-`);
  await rename(join(dst, partName), join(dst, reused));
  // Not written since the kill, for longer than any live download leaves its part.
  const untouched = new Date(Date.now() - PART_STALE_MS - 60_000);
  await utimes(join(dst, reused), untouched, untouched);
  // A marker write the kill caught half-way, and one in progress now (another process's).
  const torn = join(running, `.${markerName}.a1b2c3d4e5f6.tmp`);
  const fresh = join(running, `.other.json.0f0f0f0f0f0f.tmp`);
  await writeFile(torn, '{"pid":');
  await writeFile(fresh, '{"pid":');
  const anHourAgo = new Date(Date.now() - 60 * 60 * 1000);
  await utimes(torn, anHourAgo, anHourAgo);

  const since = Date.now();
  const second = w.dropcron('run', 'down');
  const { code } = await second.exited;
  expect(code, second.output()).toBe(0);
  const [again, firstRun] = await w.history('down');
  expect(firstRun).toMatchObject({ outcome: 'interrupted', code: 'DC_INTERRUPTED' });
  expect(again).toMatchObject({ outcome: 'success', tasks: [{ type: 'download', counts: { downloaded: 1 } }] });
  expect(await readdir(running)).toEqual(['.other.json.0f0f0f0f0f0f.tmp']);
  expect(await readdir(dst)).toEqual(['big.bin']);
  expect(await fileSha256(join(dst, 'big.bin'))).toBe(sha256(bytes));
  // Resumed from the abandoned part, not fetched whole again.
  const served = emu.requests.filter((r) => r.at >= since && r.route === 'files/download');
  expect(served.reduce((n, r) => n + r.bytesOut, 0)).toBeLessThan(SIZE);
  expect(stranger.exitCode).toBeNull(); // the stranger was only looked at
}, 120_000);
