// Stale upload checkpoints: a checkpoint no upload can resume (its file deleted or
// changed, its session past Dropbox's 7 days, not a checkpoint at all) is swept the
// first time a connection looks for one, and so is a temp file of a write cut short by
// a kill (by the file store's area); a checkpoint still resumable, even another
// process's, stays.
import { afterEach, describe, it, expect } from 'vitest';
import { mkdtemp, readdir, readFile, rm, stat, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import {
  SESSION_LIFETIME_MS,
  sweepCheckpoints,
  UPLOAD_SESSIONS,
  uploadCheckpointsIn,
} from '../../plugins/dropbox/api/upload-checkpoints.ts';
import { fileCheckpointArea } from '../../src/store/checkpoint-area-files.ts';

const DAY = 24 * 60 * 60 * 1000;

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function world() {
  const dir = await mkdtemp(join(tmpdir(), 'dropcron-sweep-'));
  dirs.push(dir);
  const state = join(dir, UPLOAD_SESSIONS);
  const area = fileCheckpointArea(dir, UPLOAD_SESSIONS);
  const checkpoints = uploadCheckpointsIn(area, 'c1');
  /** A local file with a checkpoint at offset 4 of its 10 bytes; returns the checkpoint's path. */
  const checkpointed = async (name: string) => {
    const local = join(dir, name);
    await writeFile(local, '0123456789');
    const before = new Set(await readdir(state).catch(() => []));
    await checkpoints.slot(local, `/up/${name}`, await stat(local)).save({ sessionId: `s-${name}`, offset: 4 });
    const added = (await readdir(state)).find((n) => !before.has(n))!;
    return { local, file: join(state, added) };
  };
  return { dir, state, area, checkpoints, checkpointed };
}

describe('stale upload checkpoints', () => {
  it('are swept: file deleted or changed, session too old, not a checkpoint, an abandoned temp file', async () => {
    const w = await world();
    const kept = await w.checkpointed('kept.bin');
    const deleted = await w.checkpointed('deleted.bin');
    await unlink(deleted.local);
    const changed = await w.checkpointed('changed.bin');
    await writeFile(changed.local, '0123456789abc');
    const old = await w.checkpointed('old.bin');
    const cp = JSON.parse(await readFile(old.file, 'utf8')) as { savedAt: number };
    await writeFile(old.file, JSON.stringify({ ...cp, savedAt: Date.now() - SESSION_LIFETIME_MS - DAY }));
    const torn = join(w.state, 'torn.json');
    await writeFile(torn, '{"sessionId": "s-to');
    const abandoned = join(w.state, '.x.json.0123456789ab.tmp');
    await writeFile(abandoned, '{}');
    await utimes(abandoned, new Date(Date.now() - DAY), new Date(Date.now() - DAY));
    const inFlight = join(w.state, '.y.json.0123456789ab.tmp');
    await writeFile(inFlight, '{}');

    const removed = await sweepCheckpoints(w.area);
    const key = (file: string) => basename(file, '.json');
    expect(removed.sort()).toEqual([deleted.file, changed.file, old.file, torn].map(key).sort());
    expect((await readdir(w.state)).sort()).toEqual(
      [kept.file.slice(w.state.length + 1), '.y.json.0123456789ab.tmp'].sort(),
    );
  });

  it('are swept the first time a connection looks for a checkpoint, and a live one still resumes', async () => {
    const w = await world();
    const kept = await w.checkpointed('kept.bin');
    const deleted = await w.checkpointed('deleted.bin');
    await unlink(deleted.local);
    // A later process: a fresh set of checkpoints over the same directory.
    const again = uploadCheckpointsIn(w.area, 'c1');
    const point = await again.slot(kept.local, '/up/kept.bin', await stat(kept.local)).resume();
    expect(point).toEqual({ sessionId: 's-kept.bin', offset: 4 });
    expect(await readdir(w.state)).toEqual([kept.file.slice(w.state.length + 1)]);
  });

  it('a checkpoint older than the session lifetime is not resumed', async () => {
    const w = await world();
    const old = await w.checkpointed('old.bin');
    const cp = JSON.parse(await readFile(old.file, 'utf8')) as { savedAt: number };
    await writeFile(old.file, JSON.stringify({ ...cp, savedAt: Date.now() - SESSION_LIFETIME_MS - DAY }));
    const slot = uploadCheckpointsIn(w.area, 'c1').slot(old.local, '/up/old.bin', await stat(old.local));
    expect(await slot.resume()).toBeUndefined();
    expect(await readdir(w.state)).toEqual([]);
  });
});
