// The connector's benchmark (`npm run bench`): throughput against a raw undici
// baseline, peak RSS at 1 and 4 GiB, the chunk-size table, and many small files.
// The emulator (with a data directory, so files live on disk) runs in this process;
// each transfer runs in a child process so its RSS is the connector's alone.
// Timings are printed, never asserted: the machine is shared.
import { spawn } from 'node:child_process';
import { mkdtemp, open, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent } from 'undici';
import { startEmulator } from '../plugins/dropbox/emulator/index.ts';
import { createDropboxClient, DEFAULT_CHUNK_SIZE } from '../plugins/dropbox/api/client.ts';
import { bundle } from './bundle.ts';
import { makeFile } from './fixtures.ts';
import { fmt, median, table } from './report.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const smoke = process.argv.includes('--smoke');
const quick = smoke || process.argv.includes('--quick');
/** --only=chunks,simple,large,many runs just those sections. */
const only = process.argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const want = (section: string) => !only || only.includes(section);

interface ChildResult {
  seconds: number;
  bytes: number;
  peakRssMB: number;
  idleRssMB: number;
}

let childScript = '';

function runChild(job: Record<string, unknown>): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childScript, JSON.stringify(job)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`child ${String(job.kind)} failed (${code}): ${err.slice(-2000)}`));
      resolve(JSON.parse(out.trim().split('\n').pop()!) as ChildResult);
    });
  });
}

const mbps = (r: ChildResult) => r.bytes / MiB / r.seconds;
const ROUNDS = smoke ? 1 : 3;

export async function runConnectorBench(): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'dropcron-bench-'));
  childScript = await bundle('transfer-child', work);
  const emu = await startEmulator({ port: 0, dataDir: join(work, 'emu-data') });
  emu.faults.set({ quotaBytes: 64 * GiB });
  const { accessToken } = await emu.issueToken({ account: 'sandy', ttlSeconds: 24 * 3600 });
  const base = { url: emu.url, token: accessToken };
  const out: string[] = [
    `dropcron connector benchmark, ${new Date().toISOString()}, node ${process.version}, ${smoke ? 'smoke' : quick ? 'quick' : 'full'} run`,
    '',
  ];
  const log = (s: string) => {
    process.stdout.write(`${s}\n`);
    out.push(s);
  };
  try {
    // --- chunk size ---------------------------------------------------------------------
    if (want('chunks')) {
      const probe = join(work, 'probe.bin');
      const probeSize = smoke ? 16 * MiB : quick ? 128 * MiB : 512 * MiB;
      await makeFile(probe, probeSize);
      const chunkRows: Array<Array<string | number>> = [];
      const configs = [
        [4, 1],
        [8, 1],
        [16, 1],
        [32, 1],
        [64, 1],
        [16, 2],
        [16, 4],
        [32, 2],
      ] as const;
      const runs = new Map<string, ChildResult[]>();
      // Rounds interleave the configurations, so a burst of load on the shared machine
      // hits all of them alike; the median of the rounds is reported.
      for (let round = 0; round < ROUNDS; round++) {
        for (const [chunk, par] of configs) {
          const r = await runChild({
            ...base,
            kind: 'upload',
            local: probe,
            remote: `/bench/probe-${chunk}-${par}.bin`,
            chunkSize: chunk * MiB,
            parallelChunks: par,
            simpleUploadMax: 0,
          });
          runs.set(`${chunk}/${par}`, [...(runs.get(`${chunk}/${par}`) ?? []), r]);
          process.stdout.write(`round ${round + 1}: chunk ${chunk} MiB x${par}: ${fmt(mbps(r))} MiB/s\n`);
        }
      }
      for (const [chunk, par] of configs) {
        const rs = runs.get(`${chunk}/${par}`)!;
        chunkRows.push([
          `${chunk} MiB`,
          par,
          fmt(median(rs.map(mbps))),
          rs.map((r) => fmt(mbps(r), 0)).join(' / '),
          fmt(Math.max(...rs.map((r) => r.peakRssMB)), 0),
        ]);
      }
      log(
        table(
          `Upload of ${probeSize / MiB} MiB by chunk size (connector, loopback emulator; median of ${ROUNDS} interleaved rounds)`,
          ['chunk', 'parallel appends', 'median MiB/s', 'each round MiB/s', 'peak RSS MB'],
          chunkRows,
        ),
      );
      await unlink(probe);
    }

    // --- one files/upload vs a session, for files that fit in one request ------------------------
    const simpleRows: Array<Array<string | number>> = [];
    for (const size of !want('simple') ? [] : smoke ? [4 * MiB] : [4 * MiB, 16 * MiB, 64 * MiB, 148 * MiB]) {
      const f = join(work, `simple-${size}.bin`);
      await makeFile(f, size);
      const reps = size <= 16 * MiB ? 5 : 2;
      let simpleS = 0;
      let sessionS = 0;
      for (let i = 0; i < reps; i++) {
        simpleS += (
          await runChild({
            ...base,
            kind: 'upload',
            local: f,
            remote: `/bench/simple-${size}.bin`,
            chunkSize: 16 * MiB,
            simpleUploadMax: 150 * MiB,
          })
        ).seconds;
        sessionS += (
          await runChild({
            ...base,
            kind: 'upload',
            local: f,
            remote: `/bench/session-${size}.bin`,
            chunkSize: 16 * MiB,
            simpleUploadMax: 0,
          })
        ).seconds;
      }
      simpleRows.push([`${size / MiB} MiB`, fmt(size / MiB / (simpleS / reps)), fmt(size / MiB / (sessionS / reps))]);
      await unlink(f);
    }
    if (simpleRows.length)
      log(
        table(
          'One files/upload vs an upload session (16 MiB chunks), same file (mean of 2-5 runs)',
          ['file', 'files/upload MiB/s', 'session MiB/s'],
          simpleRows,
        ),
      );

    // --- throughput and memory vs the raw baseline ------------------------------------------------
    const rows: Array<Array<string | number>> = [];
    const sizesArg = process.argv
      .find((a) => a.startsWith('--gib='))
      ?.slice(6)
      .split(',')
      .map((x) => Number(x) * GiB);
    const sizes = sizesArg ?? (smoke ? [32 * MiB] : quick ? [256 * MiB] : [1 * GiB, 4 * GiB]);
    for (const size of want('large') ? sizes : []) {
      const src = join(work, `src-${size}.bin`);
      const dst = join(work, `dst-${size}.bin`);
      await makeFile(src, size);
      const label = size >= GiB ? `${size / GiB} GiB` : `${size / MiB} MiB`;
      const remote = `/bench/big-${size}.bin`;
      const chunk = DEFAULT_CHUNK_SIZE;
      const compare = size <= GiB;
      const rounds = compare ? ROUNDS : 1;
      const res: Record<'up' | 'rawUp' | 'down' | 'rawDown', ChildResult[]> = {
        up: [],
        rawUp: [],
        down: [],
        rawDown: [],
      };
      for (let round = 0; round < rounds; round++) {
        if (compare)
          res.rawUp.push(await runChild({ ...base, kind: 'raw-upload', local: src, remote, chunkSize: chunk }));
        res.up.push(await runChild({ ...base, kind: 'upload', local: src, remote, chunkSize: chunk }));
        if (compare) {
          res.rawDown.push(await runChild({ ...base, kind: 'raw-download', local: dst, remote, chunkSize: chunk }));
          await unlink(dst).catch(() => {});
        }
        res.down.push(await runChild({ ...base, kind: 'download', local: dst, remote, chunkSize: chunk }));
        await unlink(dst).catch(() => {});
      }
      const row = (what: string, mine: ChildResult[], raw: ChildResult[]) => {
        const m = median(mine.map(mbps));
        const r = raw.length ? median(raw.map(mbps)) : undefined;
        rows.push([
          `${what} ${label}`,
          fmt(m),
          mine.map((x) => fmt(mbps(x), 0)).join(' / '),
          r ? fmt(r) : '-',
          raw.map((x) => fmt(mbps(x), 0)).join(' / ') || '-',
          r ? `${fmt((100 * m) / r, 0)}%` : '-',
          fmt(Math.max(...mine.map((x) => x.peakRssMB)), 0),
          raw.length ? fmt(Math.max(...raw.map((x) => x.peakRssMB)), 0) : '-',
          fmt(mine[0]!.idleRssMB, 0),
        ]);
      };
      row('upload', res.up, res.rawUp);
      row('download', res.down, res.rawDown);
      const up = res.up[0]!;
      const down = res.down[0]!;
      process.stdout.write(`${label}: up ${fmt(mbps(up))} MiB/s, down ${fmt(mbps(down))} MiB/s\n`);
      await unlink(src);
      await unlink(dst).catch(() => {});
    }
    if (rows.length)
      log(
        table(
          `Large files: connector vs raw undici (baseline: plain undici.request streaming the same file to start/append_v2/finish with the same chunks (the default, ${DEFAULT_CHUNK_SIZE / MiB} MiB), and files/download piped to a file; no hashing, retry layer, progress or fsync)`,
          [
            'transfer',
            'connector MiB/s (median)',
            'rounds',
            'raw MiB/s (median)',
            'rounds',
            'connector/raw',
            'connector peak RSS MB',
            'raw peak RSS MB',
            'idle process RSS MB',
          ],
          rows,
        ),
      );

    // --- many small files ------------------------------------------------------------------------------
    if (want('many')) {
      const n = smoke ? 20 : quick ? 200 : 1000;
      const dir = join(work, 'small');
      await import('node:fs/promises').then((fs) => fs.mkdir(dir));
      const items = [];
      for (let i = 0; i < n; i++) {
        const p = join(dir, `f${i}.bin`);
        const fh = await open(p, 'w');
        const b = Buffer.alloc(16 * 1024, i % 251);
        b.writeUInt32LE(i, 0);
        await fh.write(b);
        await fh.close();
        items.push({ localPath: p, remotePath: `/bench/small/f${i}.bin`, mode: 'overwrite' as const });
      }
      emu.faults.set({ latencyMs: 40 });
      const dispatcher = new Agent({ keepAliveTimeout: 30_000 });
      const token = { token: async () => accessToken, refresh: async () => accessToken };
      const client = createDropboxClient({ dispatcher, token, endpoints: { api: emu.url, content: emu.url } });
      let t0 = performance.now();
      const many = await client.uploadMany(items);
      const manyS = (performance.now() - t0) / 1000;
      const failed = many.filter((r) => r.error).length;
      t0 = performance.now();
      for (const it of items)
        await client.upload(it.localPath, it.remotePath.replace('/small/', '/small-one/'), { mode: 'overwrite' });
      const oneS = (performance.now() - t0) / 1000;
      emu.faults.set({ latencyMs: 0 });
      await dispatcher.close();
      log(
        table(
          `${n} files of 16 KiB, 40 ms emulated latency`,
          ['method', 'seconds', 'files/s', 'speed-up'],
          [
            ['uploadMany (sessions + finish_batch_v2)', fmt(manyS, 2), fmt(n / manyS, 0), `${fmt(oneS / manyS, 1)}x`],
            ['one by one (client.upload -> files/upload)', fmt(oneS, 2), fmt(n / oneS, 0), '1.0x'],
          ],
        ),
      );
      if (failed) log(`warning: ${failed} uploadMany entries failed`);
    }
  } finally {
    await emu.close();
    await rm(work, { recursive: true, force: true });
  }
  return out.join('\n');
}
