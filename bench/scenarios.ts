// The peer bench's scenarios: what each peer (dropcron, rclone with defaults and tuned,
// the official JS SDK, the wire) runs for each piece of work, the sandbox's realism
// settings for it, and the untimed check that the work was really done.
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Emulator, Realism } from '../plugins/dropbox/emulator/index.ts';
import { DEFAULT_CHUNK_SIZE } from '../plugins/dropbox/api/client.ts';
import type { DropcronHome } from './dropcron-home.ts';
import type { ConnectProxy } from './front.ts';
import type { Command } from './measure.ts';
import { listAll, rpc, type Wire } from './wire.ts';
import type { WireJob } from './wire-peer.ts';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const APP = { key: 'dropcron-sandbox', secret: 'dropcron-sandbox-secret' };

/**
 * `inTargets`: issue 13's targets compare dropcron with this peer, so it gets every
 * round (medians) and a run is stopped only at TARGET_CAP x dropcron's time, far enough
 * to decide a "0.1x rclone" target. The SDK is in no target: one run, stopped at
 * OTHER_CAP x dropcron's time (what it shows, "several times slower", is decided by then).
 */
export const PEERS = [
  { id: 'dropcron', label: 'dropcron', inTargets: true },
  { id: 'rclone', label: 'rclone (defaults)', inTargets: true },
  { id: 'rclone-tuned', label: 'rclone (tuned)', inTargets: true },
  { id: 'sdk', label: 'JS SDK', inTargets: false },
  { id: 'wire', label: 'wire', inTargets: true },
] as const;
export type PeerId = (typeof PEERS)[number]['id'];
export const TARGET_CAP = 12;
export const OTHER_CAP = 4;
/**
 * No run is stopped sooner than this, whatever dropcron's time: 15 s is over 10x every
 * small-file and delete run of dropcron's, so a ratio past it is decided either way.
 */
export const MIN_CAP_SECONDS = 15;

export const SCENARIO_IDS = ['upload-big', 'download-big', 'upload-many', 'download-many', 'list', 'delete'] as const;
export type ScenarioId = (typeof SCENARIO_IDS)[number];

/**
 * rclone's flags in the tuned column. Empty where no flag makes a difference, and then
 * rclone runs once per round and its runs fill both columns: `lsf -R` and `delete` took
 * the same time with `--checkers 32` (and `--transfers 32`) as without, in the full run of
 * 2026-11-30 11:33 (5.97 vs 6.26 s; 57.7 vs 63.0 s: delete goes one file per request).
 */
export const TUNED: Record<ScenarioId, string[]> = {
  'upload-big': ['--dropbox-chunk-size', '128M'],
  'download-big': ['--multi-thread-streams', '8'],
  'upload-many': ['--transfers', '32', '--checkers', '32', '--dropbox-batch-mode', 'sync'],
  'download-many': ['--transfers', '32', '--checkers', '32'],
  list: [],
  delete: [],
};

export interface Sizes {
  big: number;
  many: number;
  listFolders: number;
  listPerFolder: number;
  deletes: number;
}
export const FULL: Sizes = { big: GiB, many: 1000, listFolders: 100, listPerFolder: 1000, deletes: 5000 };
export const QUICK: Sizes = { big: 8 * MiB, many: 20, listFolders: 10, listPerFolder: 100, deletes: 50 };

/** One run of one peer: fresh remote and local paths, so no run finds another's work done. */
export interface Run {
  peer: PeerId;
  round: number;
  remote: string;
  local: string;
}

export interface Scenario {
  id: ScenarioId;
  title: string;
  realism: Realism;
  /** Not timed: seeds what this run works on. */
  prepare?(run: Run): Promise<void>;
  /** What each peer runs. */
  spec(run: Run): PeerSpec;
  /** Not timed: the work really happened. */
  verify(run: Run): Promise<void>;
}

export interface Ctx {
  work: string;
  sizes: Sizes;
  emu: Emulator;
  proxy: ConnectProxy;
  caFile: string;
  accessToken: string;
  home: DropcronHome;
  rcloneConfig: string;
  sdkScript: string;
  wireScript: string;
  /** The bench's own view of the sandbox (for seeding checks), through the same front. */
  wire: Wire;
}

export const ACCOUNT = 'sandy';
const LATENT: Realism = { latencyMs: 40, concurrentWriteLimit: true };
export const PLAIN: Realism = { latencyMs: 0, concurrentWriteLimit: false };

interface PeerSpec {
  /** rclone's arguments (the remote is `db:`). */
  rclone: string[];
  /** What the SDK and wire children do. */
  job: Pick<WireJob, 'op' | 'local' | 'remote'>;
  /** Writes dropcron's job file and returns its `dropcron run`. */
  dropcron(): Promise<Command>;
  /** rclone lsf writes its CSV to stdout. */
  stdoutFile?: string;
}

export function peerCommand(ctx: Ctx, run: Run, tuned: string[], p: PeerSpec): Promise<Command> {
  const nodeEnv = { NODE_EXTRA_CA_CERTS: ctx.caFile };
  const job: WireJob = {
    ...p.job,
    proxy: ctx.proxy.url,
    token: ctx.accessToken,
    chunkSize: DEFAULT_CHUNK_SIZE,
    inFlight: 32,
  };
  switch (run.peer) {
    case 'dropcron':
      return p.dropcron();
    case 'rclone':
    case 'rclone-tuned':
      return Promise.resolve({
        argv: ['rclone', '--config', ctx.rcloneConfig, ...p.rclone, ...(run.peer === 'rclone-tuned' ? tuned : [])],
        env: { HTTPS_PROXY: ctx.proxy.url, SSL_CERT_FILE: ctx.caFile },
        stdoutFile: p.stdoutFile,
      });
    case 'sdk':
      return Promise.resolve({ argv: [process.execPath, ctx.sdkScript, JSON.stringify(job)], env: nodeEnv });
    case 'wire':
      return Promise.resolve({ argv: [process.execPath, ctx.wireScript, JSON.stringify(job)], env: nodeEnv });
  }
}

async function countFiles(ctx: Ctx, remote: string): Promise<number> {
  return (await listAll(ctx.wire, remote, false)).filter((e) => e['.tag'] === 'file').length;
}

function expect(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`${what}: ${got}, expected ${want}`);
}

const makeLocalDir = async (run: Run) => {
  await mkdir(run.local, { recursive: true });
};

export function scenarios(ctx: Ctx): Scenario[] {
  const { sizes, home } = ctx;
  const bigDir = join(ctx.work, 'big');
  const manyDir = join(ctx.work, 'many');
  const listN = sizes.listFolders * sizes.listPerFolder;
  const label = (n: number) => (n >= GiB ? `${n / GiB} GiB` : `${n / MiB} MiB`);
  const runJob = async (name: string, task: Record<string, unknown>) => {
    await home.writeJob(name, [task]);
    return home.command(['run', name]);
  };
  return [
    {
      id: 'upload-big',
      title: `upload one ${label(sizes.big)} file`,
      realism: PLAIN,
      spec: (run) => ({
        rclone: ['copy', bigDir, `db:${run.remote}`],
        job: { op: 'upload-big', local: join(bigDir, 'big.bin'), remote: `${run.remote}/big.bin` },
        dropcron: () => runJob('upload-big', { upload: { from: bigDir, to: run.remote } }),
      }),
      async verify(run) {
        const meta = await rpc<{ size: number }>(ctx.wire, 'files/get_metadata', { path: `${run.remote}/big.bin` });
        expect('uploaded size', meta.size, sizes.big);
      },
    },
    {
      id: 'download-big',
      title: `download it`,
      realism: PLAIN,
      spec: (run) => ({
        rclone: ['copy', 'db:/seed/big', run.local],
        job: { op: 'download-big', local: join(run.local, 'big.bin'), remote: '/seed/big/big.bin' },
        dropcron: () => runJob('download-big', { download: { from: '/seed/big', to: run.local } }),
      }),
      prepare: makeLocalDir,
      async verify(run) {
        expect('downloaded size', (await stat(join(run.local, 'big.bin'))).size, sizes.big);
        await rm(run.local, { recursive: true, force: true });
      },
    },
    {
      id: 'upload-many',
      title: `upload ${sizes.many} x 16 KiB (40 ms, write contention)`,
      realism: LATENT,
      spec: (run) => ({
        rclone: ['copy', manyDir, `db:${run.remote}`],
        job: { op: 'upload-many', local: manyDir, remote: run.remote },
        dropcron: () => runJob('upload-many', { upload: { from: manyDir, to: run.remote } }),
      }),
      verify: async (run) => expect('files uploaded', await countFiles(ctx, run.remote), sizes.many),
    },
    {
      id: 'download-many',
      title: `download ${sizes.many} x 16 KiB (40 ms)`,
      realism: LATENT,
      spec: (run) => ({
        rclone: ['copy', 'db:/seed/many', run.local],
        job: { op: 'download-many', local: run.local, remote: '/seed/many' },
        dropcron: () => runJob('download-many', { download: { from: '/seed/many', to: run.local } }),
      }),
      prepare: makeLocalDir,
      async verify(run) {
        expect('files downloaded', (await readdir(run.local)).length, sizes.many);
        await rm(run.local, { recursive: true, force: true });
      },
    },
    {
      id: 'list',
      title: `list ${listN.toLocaleString('en')} entries recursively to CSV`,
      realism: PLAIN,
      spec: (run) => ({
        rclone: ['lsf', '-R', '--files-only', '--csv', '--format', 'pstih', 'db:/seed/list'],
        stdoutFile: run.local,
        job: { op: 'list-csv', local: run.local, remote: '/seed/list' },
        dropcron: () =>
          runJob('list', {
            list: { path: '/seed/list', recursive: true, output: { file: run.local, format: 'csv' } },
          }),
      }),
      async verify(run) {
        const lines = (await readFile(run.local, 'utf8')).split('\n').filter((l) => l && !l.startsWith('type,'));
        expect('CSV rows', lines.length, listN);
        await rm(run.local, { force: true });
      },
    },
    {
      id: 'delete',
      title: `delete ${sizes.deletes.toLocaleString('en')} files`,
      realism: PLAIN,
      prepare: (run) =>
        ctx.emu.files.putMany(
          ACCOUNT,
          Array.from({ length: sizes.deletes }, (_, i) => `${run.remote}/f${i}.txt`),
          'to be deleted',
        ),
      spec: (run) => ({
        rclone: ['delete', `db:${run.remote}`],
        job: { op: 'delete', local: '', remote: run.remote },
        dropcron: () => runJob('delete', { delete: { path: run.remote, type: 'files', maxDelete: sizes.deletes } }),
      }),
      verify: async (run) => expect('files left', await countFiles(ctx, run.remote), 0),
    },
  ];
}

/** rclone from the Debian package, installed when missing (the bench runs as root on CI VMs). */
