// Dropbox's servers having a bad minute: bursts of 500, 502 and 503 on the calls an
// upload and a download make. Every call the connector may repeat is repeated with
// backoff; the job ends with every file there once, hash-equal on both ends.
import { describe as suite, it } from 'vitest';
import { join } from 'node:path';
import { compare, complete, describe, localHashes, remoteHashes, settle } from './checks.ts';
import { outcomeOf, sampleFiles, worldForAll, writeTree } from './harness.ts';

const world = worldForAll();

suite('server errors', () => {
  it('500/503 bursts on listing, upload sessions, batch commits and downloads', async () => {
    const { w } = world;
    const src = await writeTree(join(w.dir, 'up'), sampleFiles(30, { 'big.bin': 40 }));
    const back = join(w.dir, 'down');
    const before = w.emu.requests.length;
    // A burst on whatever comes next, then bursts aimed at each kind of call.
    w.emu.faults.inject({ route: '*', times: 2, fault: { status: 503 } });
    const bursts: Array<[string, 500 | 502 | 503, number]> = [
      ['files/list_folder', 502, 2],
      ['files/upload_session/start', 500, 2],
      ['files/upload_session/append_v2', 500, 2],
      ['files/upload_session/finish_batch_v2', 503, 2],
      ['files/upload_session/finish', 503, 1],
      ['files/download', 503, 2],
    ];
    for (const [route, status, times] of bursts) w.emu.faults.inject({ route, times, fault: { status } });
    let res;
    try {
      res = await w.runJob([
        { upload: { from: src, to: '/bursts', recursive: true } },
        { download: { from: '/bursts', to: back, recursive: true } },
      ]);
    } finally {
      w.emu.faults.clear();
    }
    const failed = w.emu.requests.slice(before).filter((r) => r.status >= 500).length;
    const want = await localHashes(src);
    const up = await compare(w, want, await remoteHashes(w, '/bursts'));
    const down = await compare(w, want, await localHashes(back));
    settle(
      {
        fault: '500/502/503 bursts (upload, then download)',
        outcome: outcomeOf(res, [`${failed} x 5xx retried`]),
        checked: `up: ${describe(up)}; down: ${describe(down, 'with the source')}`,
      },
      {
        'run succeeded': res.record.outcome === 'success',
        'every burst was met': failed === 2 + bursts.reduce((n, [, , t]) => n + t, 0),
        ...complete(up),
        ...complete(down),
      },
    );
  }, 90_000);
});
