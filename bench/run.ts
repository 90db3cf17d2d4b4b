// `npm run bench`: the peer table (dropcron beside rclone, the official JS SDK and the
// plain wire, whole commands) and the daemon figures; Markdown on stdout, progress on
// stderr. `--quick` is a smoke run (tiny sizes, one round); `--connector` runs the
// connector's own benchmark instead (chunk sizes, raw undici, 4 GiB memory); `--cluster`
// the cluster's (fires per second three daemons on one PostgreSQL sustain, claim latency).
// Paste the tables into bench/RESULTS.md when they change.
import { runClusterBench } from './cluster.bench.ts';
import { runConnectorBench } from './connector.bench.ts';
import { runDaemonBench } from './daemon.bench.ts';
import { runPeerBench } from './peers.bench.ts';
import { FULL, QUICK, SCENARIO_IDS, type ScenarioId } from './scenarios.ts';
import { buildShippedCommand } from './shipped-command.ts';

// The bench runs the command as it ships: compiled from the sources as they are now.
buildShippedCommand();

const quick = process.argv.includes('--quick');
if (process.argv.includes('--connector')) {
  await runConnectorBench();
} else if (process.argv.includes('--cluster')) {
  const levels = quick ? [20] : [25, 50, 100, 200];
  process.stdout.write(await runClusterBench({ levels, log: (s) => process.stderr.write(`${s}\n`) }));
} else {
  const log = (s: string) => process.stderr.write(`${s}\n`);
  // `--only=list,delete,daemon`: those scenarios (SCENARIO_IDS), and the daemon figures
  // only when named; for re-measuring a few rows on a machine too busy for the whole run.
  const only = process.argv
    .find((a) => a.startsWith('--only='))
    ?.slice('--only='.length)
    .split(',');
  const unknown = only?.filter((x) => x !== 'daemon' && !(SCENARIO_IDS as readonly string[]).includes(x));
  if (unknown?.length)
    throw new Error(`--only: unknown ${unknown.join(', ')} (known: ${SCENARIO_IDS.join(', ')}, daemon)`);
  process.stdout.write(`## dropcron bench, ${new Date().toISOString()}, ${quick ? 'quick' : 'full'} run\n\n`);
  let daemon = '';
  const peers = await runPeerBench({
    sizes: quick ? QUICK : FULL,
    rounds: quick ? 1 : 3,
    // rclone's 1,000 small downloads (~11 s, 4x dropcron's) then run once: its rounds agree within 2%.
    slowSeconds: 10,
    only: only?.filter((x): x is ScenarioId => x !== 'daemon'),
    log,
    after: async (home, timeFile) => {
      if (only && !only.includes('daemon')) return;
      const figures = await runDaemonBench(home, {
        jobs: quick ? 20 : 1000,
        // Once a minute, at the second 15 s after the daemon's start: the issue's "every
        // minute" without waiting up to a minute for the next whole one.
        schedule: quick ? () => '*/10 * * * * *' : (at) => `${(at.getUTCSeconds() + 15) % 60} * * * * *`,
        scheduleLabel: quick ? 'firing every 10 s' : 'firing every minute',
        rounds: quick ? 1 : 3,
        timeFile,
        log,
      });
      daemon = figures.markdown;
    },
  });
  process.stdout.write(`${peers}\n${daemon}\n`);
}
