// `npm run bench -- --quick` end to end: the real peers (dropcron's CLI, rclone, the
// official SDK, the wire) against the sandbox behind the bench's TLS front. Checks that
// the table has every scenario for every peer, each run verified by the bench, and every
// daemon figure; timings are printed by the bench, never asserted here.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PEERS, SCENARIO_IDS, TUNED } from '../../bench/scenarios.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));

describe('npm run bench -- --quick', () => {
  it('prints the peer table with every scenario and peer, and the daemon figures', { timeout: 240_000 }, async () => {
    const { stdout } = await promisify(execFile)(tsx, ['bench/run.ts', '--quick'], {
      cwd: root,
      maxBuffer: 16 * 1024 * 1024,
    });
    const head = stdout.split('\n').find((l) => l.startsWith('| work '));
    for (const p of PEERS) expect(head, p.label).toContain(` ${p.label} `);
    // The per-run table: one row per scenario and peer, with a time (a run the bench
    // could not verify would read "failed").
    // Where no rclone flag applies (TUNED), the tuned row says so instead of a time.
    for (const s of SCENARIO_IDS)
      for (const p of PEERS) {
        const value = p.id === 'rclone-tuned' && !TUNED[s].length ? 'as defaults' : '\\d+\\.\\d+ ';
        expect(stdout).toMatch(new RegExp(`\\| ${s} +\\| ${p.label.replace(/[()]/g, '\\$&')} +\\| ${value}`));
      }
    expect(stdout).not.toContain('failed');
    for (const figure of [
      '`dropcron --help`',
      '`dropcron run` start-up',
      'daemon start to "started"',
      'idle RSS',
      'p99 fire lateness',
    ])
      expect(stdout).toMatch(
        new RegExp(`\\| ${figure.replace(/[()`"]/g, '\\$&')}[^|]*\\| \\d+(\\.\\d+)? (s|MB)( \\([^|]*\\))? +\\|`),
      );
  });
});
