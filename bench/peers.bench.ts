// The peer benchmark (`npm run bench`): the same work done by dropcron, rclone (defaults
// and tuned), the official JS SDK and the plain wire, each as a whole command in its own
// process against the same sandbox behind one TLS front under Dropbox's host names
// (bench/front.ts; the work itself is in bench/scenarios.ts). Rounds interleave the peers
// (A B C A B C), so a burst of load on the shared machine hits them alike; medians are
// reported with each run's peak RSS. Timings are printed, never asserted.
import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProxyAgent } from 'undici';
import { startEmulator } from '../plugins/dropbox/emulator/index.ts';
import { DEFAULT_CHUNK_SIZE } from '../plugins/dropbox/api/client.ts';
import { bundle } from './bundle.ts';
import { makeDropcronHome, type DropcronHome } from './dropcron-home.ts';
import { makeFile, makeSmallFiles } from './fixtures.ts';
import { makeFrontCert, startConnectProxy } from './front.ts';
import { measure, type Measured } from './measure.ts';
import { fmt, median, table } from './report.ts';
import {
  ACCOUNT,
  APP,
  GiB,
  MIN_CAP_SECONDS,
  OTHER_CAP,
  PEERS,
  PLAIN,
  TARGET_CAP,
  TUNED,
  peerCommand,
  scenarios,
  type Ctx,
  type PeerId,
  type Run,
  type Scenario,
  type ScenarioId,
  type Sizes,
} from './scenarios.ts';
import { uploadBig, type Wire } from './wire.ts';

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

async function setUp(work: string, sizes: Sizes, wanted: (id: ScenarioId) => boolean): Promise<Ctx> {
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
  // Seeds (of the scenarios that run): the big file (through the wire, not timed),
  // distinct small files, the listing tree.
  await mkdir(join(work, 'big'));
  if (wanted('upload-big') || wanted('download-big')) {
    await makeFile(join(work, 'big', 'big.bin'), sizes.big);
    await uploadBig(wire, join(work, 'big', 'big.bin'), '/seed/big/big.bin', DEFAULT_CHUNK_SIZE);
  }
  await makeSmallFiles(
    join(work, 'many'),
    wanted('upload-many') || wanted('download-many') ? sizes.many : 0,
    16 * 1024,
  );
  for (const name of await readdir(join(work, 'many')))
    await emu.files.put(ACCOUNT, `/seed/many/${name}`, await readFile(join(work, 'many', name)));
  for (let d = 0; d < (wanted('list') ? sizes.listFolders : 0); d++)
    await emu.files.putMany(
      ACCOUNT,
      Array.from({ length: sizes.listPerFolder }, (_, i) => `/seed/list/d${d}/f${i}.txt`),
      `listed ${d}`,
    );
  return { work, sizes, emu, proxy, caFile: cert.caFile, accessToken, home, rcloneConfig, sdkScript, wireScript, wire };
}

type Outcome = Measured | { error: string };
/** The tuned column where no rclone flag applies (TUNED). */
const AS_DEFAULTS = 'as defaults (no flag applies)';
const secs = (m: Measured) => `${m.capped ? '> ' : ''}${fmt(m.seconds, 2)} s`;
const failed = (o: Outcome): o is { error: string } => 'error' in o;
const SLOW_FACTOR = 3;
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

/**
 * Runs every scenario for every peer: `rounds` interleaved rounds, so the bench stays
 * under 10 minutes by running only what can change a comparison:
 * - a peer whose first run took longer than `slowSeconds` and more than SLOW_FACTOR
 *   times the fastest first run of the scenario is not repeated: one run of a peer that
 *   far behind cannot change the comparison (rclone needs a minute or more for the 1,000
 *   small files). Relative, so a loaded machine that slows every peer alike does not cut
 *   anyone's rounds;
 * - a peer in no target (the SDK) runs once per scenario;
 * - a run is stopped at a multiple of dropcron's first run (TARGET_CAP, OTHER_CAP; never
 *   before MIN_CAP_SECONDS) and shown as "> N s": past that the ratio is decided;
 * - rclone (tuned) runs only where its flags change something (TUNED); elsewhere the
 *   defaults' runs fill its column.
 */
export async function runPeerBench(o: {
  sizes: Sizes;
  rounds: number;
  slowSeconds: number;
  /** Only these scenarios (`--only=list,delete`); default: all. */
  only?: ScenarioId[];
  log: (s: string) => void;
  /** Runs with the sandbox and dropcron's home still up, after the peers (the daemon figures). */
  after?: (home: DropcronHome, timeFile: string) => Promise<void>;
}): Promise<string> {
  const work = await mkdtemp(join(tmpdir(), 'dropcron-peers-'));
  const started = performance.now();
  const loadBefore = load();
  const rclone = rcloneVersion(o.log);
  const wanted = (id: ScenarioId) => !o.only || o.only.includes(id);
  const ctx = await setUp(work, o.sizes, wanted);
  const results = new Map<string, Outcome[]>();
  const key = (s: string, p: PeerId) => `${s}/${p}`;
  const all = scenarios(ctx).filter((sc) => wanted(sc.id));
  const firstRun = (s: string, p: PeerId) => {
    const r = results.get(key(s, p))?.[0];
    return r && !failed(r) ? r.seconds : undefined;
  };
  const tooSlowToRepeat = (s: string, p: PeerId) => {
    const mine = firstRun(s, p);
    const fastest = Math.min(...PEERS.map((x) => firstRun(s, x.id) ?? Infinity));
    return mine !== undefined && mine > o.slowSeconds && mine > SLOW_FACTOR * fastest;
  };
  const limitFor = (s: string, p: (typeof PEERS)[number]) => {
    const mine = firstRun(s, 'dropcron');
    if (p.id === 'dropcron' || mine === undefined) return Infinity;
    return Math.max(MIN_CAP_SECONDS, (p.inTargets ? TARGET_CAP : OTHER_CAP) * mine);
  };
  try {
    for (const sc of all) {
      ctx.emu.faults.set(sc.realism);
      for (let round = 0; round < o.rounds; round++) {
        for (const p of PEERS) {
          const peer = p.id;
          const prev = results.get(key(sc.id, peer)) ?? [];
          if (peer === 'rclone-tuned' && !TUNED[sc.id].length) continue;
          if (round > 0 && (!p.inTargets || tooSlowToRepeat(sc.id, peer))) continue;
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
            const cmd = await peerCommand(ctx, run, TUNED[sc.id], sc.spec(run));
            outcome = await measure(cmd, join(work, 'time.txt'), limitFor(sc.id, p));
            // A stopped run did not finish its work: nothing to verify.
            if (!outcome.capped) await sc.verify(run);
          } catch (err) {
            outcome = { error: failureLine((err as Error).message) };
          }
          results.set(key(sc.id, peer), [...prev, outcome]);
          o.log(
            `  ${sc.id} round ${round + 1} ${peer}: ${failed(outcome) ? `FAILED ${outcome.error}` : `${secs(outcome)}, ${fmt(outcome.peakRssMB, 0)} MB`} (load ${load()})`,
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
): string {
  // Where no flag tunes rclone, its defaults' runs are the tuned column's too.
  const runsOf = (s: Scenario['id'], p: PeerId) =>
    results.get(key(s, p === 'rclone-tuned' && !TUNED[s].length ? 'rclone' : p)) ?? [];
  const ok = (s: Scenario['id'], p: PeerId) => runsOf(s, p).filter((x): x is Measured => !failed(x));
  /** The median, and whether it is only a lower bound (a run was stopped at its limit). */
  const medianOf = (s: Scenario['id'], p: PeerId) => {
    const runs = ok(s, p);
    return runs.length ? { s: median(runs.map((r) => r.seconds)), atLeast: runs.some((r) => r.capped) } : undefined;
  };
  const cell = (s: Scenario['id'], p: PeerId) => {
    const m = medianOf(s, p);
    if (m === undefined) return 'failed';
    const rss = ok(s, p).filter((r) => !r.capped);
    return `${m.atLeast ? '> ' : ''}${fmt(m.s, 2)} s, ${rss.length ? fmt(Math.max(...rss.map((r) => r.peakRssMB)), 0) : '-'} MB`;
  };
  const ratio = (s: Scenario['id'], other: PeerId) => {
    const a = medianOf(s, 'dropcron');
    const b = medianOf(s, other);
    if (a === undefined || b === undefined) return '-';
    // Against a stopped run the ratio is an upper bound: dropcron is at least this much faster.
    const lt = b.atLeast ? '< ' : '';
    const gt = b.atLeast ? '> ' : '';
    return `${lt}${fmt(a.s / b.s, 2)} (${a.s <= b.s ? `${gt}${fmt(b.s / a.s, 1)}x faster` : `${fmt(a.s / b.s, 1)}x slower`})`;
  };
  const rows = all.map((sc) => [
    sc.title,
    ...PEERS.map((p) => cell(sc.id, p.id)),
    ratio(sc.id, 'rclone'),
    ratio(sc.id, 'rclone-tuned'),
    ratio(sc.id, 'wire'),
  ]);
  const roundRows = all.flatMap((sc) =>
    PEERS.map((p) =>
      p.id === 'rclone-tuned' && !TUNED[sc.id].length
        ? [sc.id, p.label, AS_DEFAULTS, AS_DEFAULTS]
        : [
            sc.id,
            p.label,
            runsOf(sc.id, p.id)
              .map((r) => (failed(r) ? 'failed' : secs(r).replace(' s', '')))
              .join(' / '),
            runsOf(sc.id, p.id)
              .map((r) => (failed(r) || r.capped ? '-' : fmt(r.peakRssMB, 0)))
              .join(' / '),
          ],
    ),
  );
  const errors = all.flatMap((sc) =>
    PEERS.flatMap((p) =>
      (results.get(key(sc.id, p.id)) ?? []).filter(failed).map((r) => `- ${sc.id} / ${p.label}: ${r.error}`),
    ),
  );
  const markdown = [
    `${meta.rclone}; node ${process.version}; load average ${meta.loadBefore} before, ${load()} after; ` +
      `${meta.rounds} interleaved round(s), a peer slower than ${meta.slowSeconds} s and ${SLOW_FACTOR}x the fastest in round 1 runs once, the SDK once; ` +
      `a run is stopped at ${TARGET_CAP}x dropcron's first run (the SDK's at ${OTHER_CAP}x; never before ${MIN_CAP_SECONDS} s), shown as "> N s"; ` +
      `bench took ${fmt(meta.seconds, 0)} s`,
    '',
    table(
      'Peers: whole commands against the same sandbox behind one TLS front (median wall time, peak RSS of the process tree)',
      ['work', ...PEERS.map((p) => p.label), 'dropcron / rclone', 'dropcron / rclone tuned', 'dropcron / wire'],
      rows,
    ),
    'rclone (tuned) flags: ' +
      all.map((sc) => `${sc.id} ${TUNED[sc.id].length ? `\`${TUNED[sc.id].join(' ')}\`` : AS_DEFAULTS}`).join('; '),
    '',
    table(
      'Every run (seconds; peak RSS MB)',
      ['scenario', 'peer', 'seconds per round', 'peak RSS MB per round'],
      roundRows,
    ),
    ...(errors.length ? ['Failures:', '', ...errors, ''] : []),
  ].join('\n');
  return markdown;
}

/** A failed run in one line: what exited, and the error it printed (a stack's first line names only a file). */
function failureLine(message: string): string {
  const lines = message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const cause = lines.find((l, i) => i > 0 && /^[A-Za-z]*Error\b/.test(l));
  return [lines[0], cause].filter(Boolean).join(' ... ').slice(0, 300);
}
