// kill -9 of the daemon running a big upload: another daemon of the cluster records the
// run as interrupted, retries it, and resumes the upload session from the checkpoint
// the dead daemon left in PostgreSQL. 72 MiB under a 16 MiB/s cap (three 32 MiB
// appends, 2 s each), not the 1 GiB: the point is a session cut after its
// first checkpoint and resumed elsewhere, which a 1 GiB file proves no better on a
// machine shared by several test runs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmulator, type Emulator } from '../../plugins/dropbox/emulator/index.ts';
import { startDaemon } from '../../src/daemon.ts';
import type { RunRecord } from '../../src/store/history.ts';
import { bigFile, fileSha256, MiB, remoteNames, sha256 } from '../faults/process-world.ts';
import { dropboxClusterConfig } from './fixtures/dropbox-cluster.ts';
import { postgresForFile } from '../helpers/postgres.ts';
import { spawnDaemon } from './fixtures/spawn.ts';
import { until } from '../helpers/wait.ts';
import { captureLogger } from '../scheduler/harness.ts';

const SIZE = 72 * MiB;
const child = fileURLToPath(new URL('./fixtures/upload-daemon.ts', import.meta.url));
const server = postgresForFile();

let emu: Emulator;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'dropcron-cluster-up-'));
  emu = await startEmulator({ port: 0, dataDir: join(dir, 'emulator') });
});
afterAll(async () => {
  await emu.close();
  await rm(dir, { recursive: true, force: true });
});

/** config.yaml on `url`, the connection `box` on the emulator signed in, and the job `up` with one retry. */
function clusterConfig(url: string, env: NodeJS.ProcessEnv, src: string): Promise<string> {
  return dropboxClusterConfig(dir, emu, url, env, {
    name: 'up',
    yaml:
      `name: up\nschedule: '0 0 1 1 *'\nconnection: box\nretries: { count: 1, backoff: 1s }\ntasks:\n` +
      `  - upload: { from: ${JSON.stringify(src)}, to: /cluster-up }\n`,
  });
}

describe('a daemon killed mid-upload', () => {
  it('another daemon resumes the session from the checkpoint in the database; the file arrives once', async () => {
    const url = await server().database();
    const env = { ...process.env, DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') };
    const src = join(dir, 'src');
    await mkdir(src);
    const local = join(src, 'big.bin');
    await bigFile(local, SIZE, 7);
    const configFile = await clusterConfig(url, env, src);
    const db = new pg.Client(url);
    await db.connect();
    try {
      emu.faults.set({ bandwidthBytesPerSec: 16 * MiB });
      const { proc, runId } = await spawnDaemon(child, [configFile, 'up'], env);
      const checkpoints = async () =>
        (await db.query<{ value: string }>('SELECT value FROM dropcron.checkpoints')).rows.map(
          (r) => JSON.parse(r.value) as { sessionId: string; offset: number },
        );
      await until(async () => (await checkpoints()).some((c) => c.offset > 0), 'a checkpointed chunk', 45_000);
      const [cp] = await checkpoints();
      proc.kill('SIGKILL');
      await once(proc, 'exit');
      expect(remoteNames(emu, '/cluster-up')).toEqual([]);

      // Another machine: its own state directory, so only the database holds the checkpoint.
      const otherConfig = join(dir, 'other.yaml');
      await writeFile(otherConfig, (await readFile(configFile, 'utf8')).replace('state: ./state', 'state: ./other'));
      const since = Date.now();
      const other = await startDaemon(otherConfig, { log: captureLogger().log, env });
      let runs: RunRecord[] = [];
      try {
        await until(
          async () => (runs = await other.scheduler.history.list('up')).some((r) => r.outcome === 'success'),
          'the retry to succeed on the other daemon',
          60_000,
        );
      } finally {
        await other.stop('test');
      }
      const [retry, lost, ...rest] = runs;
      expect(rest).toEqual([]);
      expect(lost).toMatchObject({ id: runId, outcome: 'interrupted' });
      expect(retry).toMatchObject({ trigger: 'retry', attempt: 2, outcome: 'success' });

      const session = emu.requests.filter((r) => r.at >= since && r.route.startsWith('files/upload'));
      expect(session.map((r) => r.route)).not.toContain('files/upload_session/start');
      const cursors = session.map(
        (r) => JSON.parse(r.headers['dropbox-api-arg'] ?? '{}') as { cursor?: { session_id: string; offset: number } },
      );
      expect(cursors[0]?.cursor).toEqual({ session_id: cp!.sessionId, offset: cp!.offset });
      expect(session.reduce((n, r) => n + r.bytesIn, 0)).toBe(SIZE - cp!.offset);

      expect(remoteNames(emu, '/cluster-up')).toEqual(['big.bin']);
      const remote = await emu.files.get('sandy', '/cluster-up/big.bin');
      expect(sha256(remote!)).toBe(await fileSha256(local));
      expect(await checkpoints()).toEqual([]);
    } finally {
      emu.faults.set({ bandwidthBytesPerSec: undefined });
      await db.end();
    }
  });
});
