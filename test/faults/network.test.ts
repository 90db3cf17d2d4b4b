// The network between dropcron and Dropbox failing under a transfer: connections reset
// in the middle of request and response bodies (the proxy case is in proxy-restart.test.ts).
import { describe as suite, it } from 'vitest';
import { join } from 'node:path';
import { compare, complete, describe, localHashes, remoteHashes, settle } from './checks.ts';
import { outcomeOf, sampleFiles, worldForAll, writeTree } from './harness.ts';

const MiB = 1024 * 1024;

suite('connection resets', () => {
  const world = worldForAll();

  it('resets in the middle of upload bodies (session start, append, finish)', async () => {
    const { w } = world;
    const src = await writeTree(join(w.dir, 'up'), sampleFiles(20, { 'big.bin': 70 }));
    const before = w.emu.requests.length;
    // Every file starts a session (the small ones send all they have in it); the 70 MiB
    // file goes on in 32 MiB chunks: one append, then the finish. Each body is cut.
    const cuts: Array<[string, number, number]> = [
      ['files/upload_session/start', 2, 100],
      ['files/upload_session/append_v2', 1, 20 * MiB],
      ['files/upload_session/finish', 1, 100],
    ];
    for (const [route, times, bytes] of cuts) w.emu.faults.inject({ route, times, fault: { dropAfterBytes: bytes } });
    let res;
    try {
      res = await w.runJob([{ upload: { from: src, to: '/resets', recursive: true } }]);
    } finally {
      w.emu.faults.clear();
    }
    const cut = w.emu.requests.slice(before).filter((r) => r.status === 0).length;
    const c = await compare(w, await localHashes(src), await remoteHashes(w, '/resets'));
    settle(
      {
        fault: 'connection reset mid-upload (start, append, finish)',
        outcome: outcomeOf(res, [`${cut} requests cut`]),
        checked: describe(c),
      },
      {
        'run succeeded': res.record.outcome === 'success',
        'every cut was met': cut === cuts.reduce((n, [, t]) => n + t, 0),
        ...complete(c),
      },
    );
  }, 60_000);

  it('resets in the middle of download bodies resume with Range', async () => {
    const { w } = world;
    // Files download in parallel, so the three cuts meet whichever three requests come
    // first: every file is bigger than the cut, so each cut really lands mid-body.
    const files = sampleFiles(0, { 'a.bin': 5, 'b.bin': 5, 'c.bin': 5, 'big.bin': 20 });
    for (const [rel, data] of files) await w.emu.files.put('sandy', `/resets-down/${rel}`, data);
    const dst = join(w.dir, 'down');
    const before = w.emu.requests.length;
    w.emu.faults.inject({ route: 'files/download', times: 3, fault: { dropAfterBytes: 3 * MiB } });
    let res;
    try {
      res = await w.runJob([{ download: { from: '/resets-down', to: dst, recursive: true } }]);
    } finally {
      w.emu.faults.clear();
    }
    const ranged = w.emu.requests.slice(before).filter((r) => r.route === 'files/download' && r.headers.range).length;
    const c = await compare(w, await remoteHashes(w, '/resets-down'), await localHashes(dst));
    settle(
      {
        fault: 'connection reset mid-download (3 x after 3 MiB)',
        outcome: outcomeOf(res, [`${ranged} Range resumes`]),
        checked: describe(c),
      },
      { 'run succeeded': res.record.outcome === 'success', 'resumed with Range': ranged >= 3, ...complete(c) },
    );
  }, 60_000);
});
