// Running out of room on either end. Dropbox full (insufficient_space): the files that
// fit arrive, the one that does not is named with how much it needs, nothing partial
// is left, and once there is room the next run sends only what is missing. The local
// disk full under a download (a small tmpfs; as non-root a read-only folder stands in,
// the same "cannot write here" path): the same, the other way round.
import { describe as suite, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { chmod, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { compare, complete, describe, localHashes, remoteHashes, settle } from './checks.ts';
import { outcomeOf, sampleFiles, worldForAll, writeTree } from './harness.ts';

const MiB = 1024 * 1024;
const world = worldForAll();

suite('space', () => {
  it('insufficient_space: what fits arrives, the rest is named, the rerun completes', async () => {
    const { w } = world;
    const src = await writeTree(join(w.dir, 'up'), sampleFiles(20, { 'big.bin': 9 }));
    const job = [{ upload: { from: src, to: '/full', recursive: true } }];
    w.emu.faults.set({ quotaBytes: 4 * MiB });
    let first;
    try {
      first = await w.runJob(job);
    } finally {
      w.emu.faults.set({ quotaBytes: undefined });
    }
    const afterFirst = await remoteHashes(w, '/full');
    const sent = await localHashes(src);
    const fitted = [...afterFirst].every(([rel, h]) => sent.get(rel) === h) && afterFirst.size === 20;
    const second = await w.runJob(job);
    const c = await compare(w, sent, await remoteHashes(w, '/full'));
    const resent = second.record.tasks[0]?.counts.uploaded ?? 0;
    settle(
      {
        fault: 'insufficient_space (quota 4 MiB, a 9 MiB file)',
        outcome: `${outcomeOf(first)}; rerun with room: ${outcomeOf(second, [`${resent} uploaded`])}`,
        checked: `first run: ${afterFirst.size} of 21 there, each whole; rerun: ${describe(c)}`,
      },
      {
        'first run failed naming the file and the space':
          first.record.outcome === 'failed' && /big\.bin.*(space|quota)/i.test(first.record.error ?? ''),
        'the files that fit arrived whole': fitted,
        'rerun succeeded': second.record.outcome === 'success',
        'rerun sent only the missing file': resent === 1,
        ...complete(c),
      },
    );
  }, 60_000);

  it('a full local disk during a download: named, nothing partial, the rerun completes', async () => {
    const { w } = world;
    const files = sampleFiles(10, { 'a.bin': 3, 'b.bin': 3, 'c.bin': 5 });
    for (const [rel, data] of files) await w.emu.files.put('sandy', `/to-disk/${rel}`, data);
    const disk = join(w.dir, 'disk');
    await mkdir(disk);
    let mounted = false;
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=8m', 'tmpfs', disk], { stdio: 'ignore' });
      mounted = true;
    } catch {
      await chmod(disk, 0o555); // not root: a folder it cannot write to
    }
    const job = [{ download: { from: '/to-disk', to: disk, recursive: true } }];
    const want = await remoteHashes(w, '/to-disk');
    let first, second, afterFirst, c;
    try {
      first = await w.runJob(job);
      afterFirst = await localHashes(disk);
      if (mounted) execFileSync('mount', ['-o', 'remount,size=32m', disk]);
      else await chmod(disk, 0o755);
      second = await w.runJob(job);
      c = await compare(w, want, await localHashes(disk));
    } finally {
      if (mounted) execFileSync('umount', [disk]);
    }
    // Whatever the first run left must be whole: no part file, no half-written target.
    const whole = [...afterFirst].every(([rel, h]) => want.get(rel) === h);
    const fetched = second.record.tasks[0]?.counts.downloaded ?? 0;
    // Files download in parallel: more than one may meet the full disk, each named with
    // what it needs, and the run record lists every one of them.
    const why = mounted ? /no space left on device.*needs \d/ : /permission denied writing/;
    const failures = first.record.tasks[0]?.failures ?? [];
    const missing = [...want.keys()].filter((rel) => !afterFirst.has(rel));
    settle(
      {
        fault: mounted
          ? 'local disk full during a download (8 MiB tmpfs)'
          : 'local folder not writable (no root for tmpfs)',
        outcome: `${outcomeOf(first)}; rerun with room: ${outcomeOf(second, [`${fetched} downloaded`])}`,
        checked: `first run: ${afterFirst.size} of ${want.size} there, ${whole ? 'each whole' : 'SOME PARTIAL'}; rerun: ${describe(c, 'with Dropbox')}`,
      },
      {
        'first run failed naming the file and the disk':
          first.record.outcome === 'failed' && why.test(first.record.error ?? ''),
        'the record lists each file that did not arrive':
          failures.length === missing.length &&
          missing.every((rel) => failures.some((f) => f.includes(rel) && why.test(f))),
        'nothing partial left': whole,
        'rerun succeeded': second.record.outcome === 'success',
        'rerun fetched only what was missing': fetched === want.size - afterFirst.size,
        ...complete(c),
      },
    );
  }, 60_000);
});
