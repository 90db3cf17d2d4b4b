// The peer benchmark (`npm run bench`): the same work done by dropcron, rclone (defaults
// and tuned), the official JS SDK and the plain wire, each as a whole command in its own
// process against the same sandbox behind one TLS front under Dropbox's host names
// (bench/front.ts). Rounds interleave the peers (A B C A B C), so a burst of load on the
// shared machine hits them alike; medians are reported with each run's peak RSS.
// Timings are printed, never asserted.
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { ProxyAgent } from 'undici';
import { startEmulator, type Emulator, type Realism } from '../plugins/dropbox/emulator/index.ts';
import { DEFAULT_CHUNK_SIZE } from '../plugins/dropbox/api/client.ts';
import { bundle } from './bundle.ts';
import { makeDropcronHome, type DropcronHome } from './dropcron-home.ts';
import { makeFile, makeSmallFiles } from './fixtures.ts';
import { makeFrontCert, startConnectProxy, type ConnectProxy } from './front.ts';
import { measure, type Command, type Measured } from './measure.ts';
import { fmt, median, table } from './report.ts';
import { listAll, rpc, uploadBig, type Wire } from './wire.ts';
import type { WireJob } from './wire-peer.ts';

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;
const APP = { key: 'dropcron-sandbox', secret: 'dropcron-sandbox-secret' };

export const PEERS = [
  { id: 'dropcron', label: 'dropcron' },
  { id: 'rclone', label: 'rclone (defaults)' },
  { id: 'rclone-tuned', label: 'rclone (tuned)' },
  { id: 'sdk', label: 'JS SDK' },
  { id: 'wire', label: 'wire' },
] as const;
type PeerId = (typeof PEERS)[number]['id'];

export const SCENARIO_IDS = ['upload-big', 'download-big', 'upload-many', 'download-many', 'list', 'delete'] as const;

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
interface Run {
  peer: PeerId;
  round: number;
  remote: string;
  local: string;
}

interface Scenario {
  id: (typeof SCENARIO_IDS)[number];
  title: string;
  realism: Realism;
  /** rclone's flags in the tuned column (the defaults column has none). */
  tuned: string[];
  /** Not timed: seeds what this run works on. */
  prepare?(run: Run): Promise<void>;
  /** What each peer runs. */
  spec(run: Run): PeerSpec;
  /** Not timed: the work really happened. */
  verify(run: Run): Promise<void>;
}

interface Ctx {
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

const ACCOUNT = 'sandy';
const LATENT: Realism = { latencyMs: 40, concurrentWriteLimit: true };
const PLAIN: Realism = { latencyMs: 0, concurrentWriteLimit: false };

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

function peerCommand(ctx: Ctx, run: Run, tuned: string[], p: PeerSpec): Promise<Command> {
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

function scenarios(ctx: Ctx): Scenario[] {
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
      tuned: ['--dropbox-chunk-size', '128M'],
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
      tuned: ['--multi-thread-streams', '8'],
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
      tuned: ['--transfers', '32', '--checkers', '32', '--dropbox-batch-mode', 'sync'],
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
      tuned: ['--transfers', '32', '--checkers', '32'],
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
      tuned: ['--checkers', '32'],
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
      tuned: ['--checkers', '32', '--transfers', '32'],
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
function rcloneVersion(log: (s: string) => void): string {
  const version = () => execFileSync('rclone', ['version'], { encoding: 'utf8' }).split('\n')[0]!;
  try {
    return version();
  } catch {
    log('rclone is missing: apt-get install -y rclone');
    execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'rclone'], { stdio: 'ignore' });
    return version();
  }
}

async function setUp(work: string, sizes: Sizes): Promise<Ctx> {
  const cert = makeFrontCert(work);
  const emu = await startEmulator({ dataDir: join(work, 'emu-data'), tls: { key: cert.key, cert: cert.cert } });
  emu.faults.set({ quotaBytes: 1024 * GiB });
  const proxy = await startConnectProxy(Number(new URL(emu.url).port));
  const { accessToken, refreshToken } = emu.issueToken({ account: ACCOUNT, ttlSeconds: 24 * 3600 });
  const rcloneConfig = join(work, 'rclone.conf');
  const token = {
    access_token: accessToken,
    token_type: 'bearer',
    refresh_token: refreshToken,
    expiry: new Date(Date.now() + 23 * 3600_000).toISOString(),
  };
  await writeFile(
    rcloneConfig,
    `[db]\ntype = dropbox\nclient_id = ${APP.key}\nclient_secret = ${APP.secret}\ntoken = ${JSON.stringify(token)}\n`,
  );
  const home = await makeDropcronHome(join(work, 'dropcron'), {
    proxyPort: proxy.port,
    caFile: cert.caFile,
    refreshToken,
    appKey: APP.key,
    appSecret: APP.secret,
  });
  const wire: Wire = {
    api: 'https://api.dropboxapi.com',
    content: 'https://content.dropboxapi.com',
    token: accessToken,
    dispatcher: new ProxyAgent({ uri: proxy.url, requestTls: { ca: await readFile(cert.caFile) } }),
  };
  const [sdkScript, wireScript] = await Promise.all([bundle('sdk-peer', work), bundle('wire-peer', work)]);
  // Seeds: the big file (through the wire, not timed), distinct small files, the listing tree.
  await mkdir(join(work, 'big'));
  await makeFile(join(work, 'big', 'big.bin'), sizes.big);
  await uploadBig(wire, join(work, 'big', 'big.bin'), '/seed/big/big.bin', DEFAULT_CHUNK_SIZE);
  await makeSmallFiles(join(work, 'many'), sizes.many, 16 * 1024);
  for (const name of await readdir(join(work, 'many')))
    await emu.files.put(ACCOUNT, `/seed/many/${name}`, await readFile(join(work, 'many', name)));
  for (let d = 0; d < sizes.listFolders; d++)
    await emu.files.putMany(
      ACCOUNT,
      Array.from({ length: sizes.listPerFolder }, (_, i) => `/seed/list/d${d}/f${i}.txt`),
      `listed ${d}`,
    );
  return { work, sizes, emu, proxy, caFile: cert.caFile, accessToken, home, rcloneConfig, sdkScript, wireScript, wire };
}

type Outcome = Measured | { error: string };
const failed = (o: Outcome): o is { error: string } => 'error' in o;
const SLOW_FACTOR = 3;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

export interface PeerBenchResult {
  markdown: string;
  /** scenario id -> peer id -> median seconds (absent when every run failed). */
  medians: Record<string, Partial<Record<PeerId, number>>>;
}

/**
 * Runs every scenario for every peer: `rounds` interleaved rounds. A peer whose first
 * run took longer than `slowSeconds` and more than SLOW_FACTOR times the fastest first
 * run of the scenario is not repeated: one run of a peer that far behind cannot change
 * the comparison, and three would take the bench past 10 minutes (rclone needs about a
 * minute for the 1,000 small files). Relative, so a loaded machine that slows every peer
 * alike does not cut anyone's rounds.
 */
export async function runPeerBench(o: {
  sizes: Sizes;
  rounds: number;
  slowSeconds: number;
  log: (s: string) => void;
  /** Runs with the sandbox and dropcron's home still up, after the peers (the daemon figures). */
  after?: (home: DropcronHome, timeFile: string) => Promise<void>;
}): Promise<PeerBenchResult> {
  const work = await mkdtemp(join(tmpdir(), 'dropcron-peers-'));
  const started = performance.now();
  const loadBefore = load();
  const rclone = rcloneVersion(o.log);
  const ctx = await setUp(work, o.sizes);
  const results = new Map<string, Outcome[]>();
  const key = (s: string, p: PeerId) => `${s}/${p}`;
  const all = scenarios(ctx);
  const firstRun = (s: string, p: PeerId) => {
    const r = results.get(key(s, p))?.[0];
    return r && !failed(r) ? r.seconds : undefined;
  };
  const tooSlowToRepeat = (s: string, p: PeerId) => {
    const mine = firstRun(s, p);
    const fastest = Math.min(...PEERS.map((x) => firstRun(s, x.id) ?? Infinity));
    return mine !== undefined && mine > o.slowSeconds && mine > SLOW_FACTOR * fastest;
  };
  try {
    for (const sc of all) {
      ctx.emu.faults.set(sc.realism);
      for (let round = 0; round < o.rounds; round++) {
        for (const { id: peer } of PEERS) {
          const prev = results.get(key(sc.id, peer)) ?? [];
          if (round > 0 && tooSlowToRepeat(sc.id, peer)) continue;
          const run: Run = {
            peer,
            round,
            remote: `/${sc.id}/${peer}-${round}`,
            local: join(work, 'out', `${sc.id}-${peer}-${round}`),
          };
          await mkdir(join(work, 'out'), { recursive: true });
          let outcome: Outcome;
          try {
            await sc.prepare?.(run);
            outcome = await measure(await peerCommand(ctx, run, sc.tuned, sc.spec(run)), join(work, 'time.txt'));
            await sc.verify(run);
          } catch (err) {
            outcome = { error: (err as Error).message.split('\n')[0]!.slice(0, 300) };
          }
          results.set(key(sc.id, peer), [...prev, outcome]);
          o.log(
            `  ${sc.id} round ${round + 1} ${peer}: ${failed(outcome) ? `FAILED ${outcome.error}` : `${fmt(outcome.seconds, 2)} s, ${fmt(outcome.peakRssMB, 0)} MB`} (load ${load()})`,
          );
        }
      }
      ctx.emu.faults.set(PLAIN);
    }
    await o.after?.(ctx.home, join(work, 'time.txt'));
  } finally {
    await ctx.proxy.close();
    await (ctx.wire.dispatcher as ProxyAgent).close();
    await ctx.emu.close();
    await rm(work, { recursive: true, force: true });
  }
  return report(all, results, key, {
    rclone,
    loadBefore,
    seconds: (performance.now() - started) / 1000,
    rounds: o.rounds,
    slowSeconds: o.slowSeconds,
  });
}

function report(
  all: Scenario[],
  results: Map<string, Outcome[]>,
  key: (s: string, p: PeerId) => string,
  meta: { rclone: string; loadBefore: string; seconds: number; rounds: number; slowSeconds: number },
): PeerBenchResult {
  const medians: PeerBenchResult['medians'] = {};
  const ok = (s: string, p: PeerId) => (results.get(key(s, p)) ?? []).filter((x): x is Measured => !failed(x));
  const cell = (s: string, p: PeerId) => {
    const runs = ok(s, p);
    if (!runs.length) return 'failed';
    const m = median(runs.map((r) => r.seconds));
    (medians[s] ??= {})[p] = m;
    return `${fmt(m, 2)} s, ${fmt(Math.max(...runs.map((r) => r.peakRssMB)), 0)} MB`;
  };
  const ratio = (s: string, other: PeerId) => {
    const a = medians[s]?.dropcron;
    const b = medians[s]?.[other];
    if (a === undefined || b === undefined) return '-';
    return `${fmt(a / b, 2)} (${a <= b ? `${fmt(b / a, 1)}x faster` : `${fmt(a / b, 1)}x slower`})`;
  };
  const rows = all.map((sc) => [
    sc.title,
    ...PEERS.map((p) => cell(sc.id, p.id)),
    ratio(sc.id, 'rclone'),
    ratio(sc.id, 'rclone-tuned'),
    ratio(sc.id, 'wire'),
  ]);
  const roundRows = all.flatMap((sc) =>
    PEERS.map((p) => [
      sc.id,
      p.label,
      (results.get(key(sc.id, p.id)) ?? []).map((r) => (failed(r) ? 'failed' : fmt(r.seconds, 2))).join(' / '),
      (results.get(key(sc.id, p.id)) ?? []).map((r) => (failed(r) ? '-' : fmt(r.peakRssMB, 0))).join(' / '),
    ]),
  );
  const errors = all.flatMap((sc) =>
    PEERS.flatMap((p) =>
      (results.get(key(sc.id, p.id)) ?? []).filter(failed).map((r) => `- ${sc.id} / ${p.label}: ${r.error}`),
    ),
  );
  const markdown = [
    `${meta.rclone}; node ${process.version}; load average ${meta.loadBefore} before, ${load()} after; ` +
      `${meta.rounds} interleaved round(s), a peer slower than ${meta.slowSeconds} s and ${SLOW_FACTOR}x the fastest in round 1 runs once; ` +
      `bench took ${fmt(meta.seconds, 0)} s`,
    '',
    table(
      'Peers: whole commands against the same sandbox behind one TLS front (median wall time, peak RSS of the process tree)',
      ['work', ...PEERS.map((p) => p.label), 'dropcron / rclone', 'dropcron / rclone tuned', 'dropcron / wire'],
      rows,
    ),
    'rclone (tuned) flags: ' + all.map((sc) => `${sc.id} \`${sc.tuned.join(' ')}\``).join('; '),
    '',
    table(
      'Every run (seconds; peak RSS MB)',
      ['scenario', 'peer', 'seconds per round', 'peak RSS MB per round'],
      roundRows,
    ),
    ...(errors.length ? ['Failures:', '', ...errors, ''] : []),
  ].join('\n');
  return { markdown, medians };
}
