// Faults where Dropbox says "not now": a 429 storm against a hard rate limit, and write
// contention (too_many_write_operations) on every kind of commit. Both must end with
// every file there once, hash-equal, and the 429s counted in the run summary.
import { describe as suite, expect, it } from 'vitest';
import { join } from 'node:path';
import { compare, complete, describe, localHashes, remoteHashes, settle } from './checks.ts';
import { outcomeOf, sampleFiles, worldForAll, writeTree, type FaultWorld } from './harness.ts';

const world = worldForAll();

const throttledIn = (w: FaultWorld, from: number) => w.emu.requests.slice(from).filter((r) => r.status === 429).length;

suite('throttling', () => {
  // The case was 500 files at 5 calls/s; each small file is one call, so 500
  // would take 100 s at best. 100 files and a two-chunk 40 MiB file make the same storm
  // (32 calls in flight against 5/s) in a third of the time.
  const RATE = 5;
  it(`429 storm: 100 small files and a multi-chunk one at ${RATE} calls/s with Retry-After`, async () => {
    const { w } = world;
    const src = await writeTree(join(w.dir, 'storm'), sampleFiles(100, { 'big.bin': 40 }));
    const before = w.emu.requests.length;
    w.emu.faults.set({ rateLimitPerSecond: RATE });
    let res;
    try {
      res = await w.runJob([{ upload: { from: src, to: '/storm', recursive: true } }]);
    } finally {
      w.emu.faults.set({ rateLimitPerSecond: 0 });
    }
    const provoked = throttledIn(w, before);
    const shown = res.record.tasks[0]?.counts.throttled ?? 0;
    const c = await compare(w, await localHashes(src), await remoteHashes(w, '/storm'));
    settle(
      {
        fault: `429 storm, ${RATE} calls/s, Retry-After 1 s`,
        outcome: outcomeOf(res, [`${shown} x 429 in the run summary`]),
        checked: describe(c),
      },
      {
        'run succeeded': res.record.outcome === 'success',
        'the limit bit': provoked > 0,
        'summary counts every 429': shown === provoked,
        ...complete(c),
      },
    );
  }, 90_000);

  it('too_many_write_operations on uploads, batch commits, folders and deletes', async () => {
    const { w } = world;
    const src = await writeTree(join(w.dir, 'contended'), sampleFiles(40, { 'large.bin': 9 }));
    await w.emu.files.put('sandy', '/contended-old/stale.txt', 'old');
    const before = w.emu.requests.length;
    w.emu.faults.set({ concurrentWriteLimit: true });
    // Each kind of commit is refused as a busy namespace refuses it (409 for folders, 429
    // for the rest); a folder's refusal carries no Retry-After, so its wait is the
    // connector's default 5 s: once is enough to prove it.
    const refusals: Array<[string, number]> = [
      ['files/create_folder_v2', 1],
      ['files/upload_session/finish_batch_v2', 2],
      ['files/upload_session/finish', 2],
      ['files/delete_batch', 1],
    ];
    for (const [route, times] of refusals)
      w.emu.faults.inject({ route, times, fault: { tooManyWriteOperations: true } });
    let res;
    try {
      res = await w.runJob([
        { 'create-folder': { path: '/contended' } },
        { upload: { from: src, to: '/contended', recursive: true } },
        { delete: { path: '/contended-old' } },
      ]);
    } finally {
      w.emu.faults.set({ concurrentWriteLimit: false });
      w.emu.faults.clear();
    }
    const routes = new Set(refusals.map(([route]) => route));
    const refused = w.emu.requests
      .slice(before)
      .filter((r) => routes.has(r.route) && (r.status === 429 || r.status === 409)).length;
    const c = await compare(w, await localHashes(src), await remoteHashes(w, '/contended'));
    const stale = await w.emu.files.get('sandy', '/contended-old/stale.txt');
    settle(
      {
        fault: 'too_many_write_operations on each commit route',
        outcome: outcomeOf(res, [`${refused} commits refused and retried`]),
        checked: `${describe(c)}, ${stale === undefined ? 'stale file deleted' : 'stale file STILL THERE'}`,
      },
      {
        'run succeeded': res.record.outcome === 'success',
        'every refusal was met': refused === refusals.reduce((n, [, t]) => n + t, 0),
        'the delete happened': stale === undefined,
        ...complete(c),
      },
    );
    expect(res.record.tasks.map((t) => t.type)).toEqual(['create-folder', 'upload', 'delete']);
  }, 60_000);
});
