// Resumable uploads: a large upload stopped after some chunks (as by kill -9) leaves a
// checkpoint in the state directory; the next upload of the same unchanged file
// continues that session from the checkpointed offset; a changed file or a session the
// server no longer has starts clean. The file always arrives once, hash-equal.
import { describe, it, expect, beforeEach } from 'vitest';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  UPLOAD_SESSIONS,
  uploadCheckpointsIn,
  type UploadCheckpoints,
} from '../../plugins/dropbox/api/upload-checkpoints.ts';
import { fileCheckpointArea } from '../../src/store/checkpoint-area-files.ts';
import type { CheckpointArea } from '../../src/store/store.ts';
import { emulatorForFile, makeClient, pattern } from './helpers.ts';

const MiB = 1024 * 1024;
const SIZE = 20 * MiB + 123;
const env = emulatorForFile();
/** The file store's checkpoint area, and the directory it keeps its files in. */
let area: CheckpointArea;
let stateDir: string;
let n = 0;
beforeEach(async () => {
  const state = await mkdtemp(join(tmpdir(), 'dropcron-resume-'));
  area = fileCheckpointArea(state, UPLOAD_SESSIONS);
  stateDir = join(state, UPLOAD_SESSIONS);
});

function client(checkpoints: UploadCheckpoints) {
  return makeClient(
    env.emu,
    { account: 'sandy' },
    { chunkSize: 4 * MiB, simpleUploadMax: 4 * MiB, uploadCheckpoints: checkpoints },
  ).client;
}

/** Checkpoints that abort the upload once `after` chunks are acknowledged, as a kill would stop it. */
function stoppingAfter(after: number, stop: AbortController): UploadCheckpoints {
  const real = uploadCheckpointsIn(area, 'c1');
  let saves = 0;
  return {
    slot(l, r, st) {
      const s = real.slot(l, r, st);
      return {
        ...s,
        async save(p) {
          await s.save(p);
          if (++saves === after) stop.abort(new Error('killed'));
        },
      };
    },
  };
}

async function checkpointFiles(): Promise<Array<{ file: string; sessionId: string; offset: number }>> {
  const names = (await readdir(stateDir)).filter((f) => f.endsWith('.json'));
  return Promise.all(
    names.map(async (f) => ({ file: join(stateDir, f), ...JSON.parse(await readFile(join(stateDir, f), 'utf8')) })),
  );
}

/** Uploads until 3 chunks are in, then stops; returns the local file, remote path and the checkpoint. */
async function interrupted(seed: number) {
  const data = pattern(SIZE, seed);
  const local = await env.tmp.file(`big-${seed}.bin`, data);
  const remote = `/resume/big-${++n}.bin`;
  const stop = new AbortController();
  const err = await client(stoppingAfter(3, stop))
    .upload(local, remote, { signal: stop.signal })
    .catch((e: unknown) => e);
  expect((err as Error).message).toMatch(/killed/);
  expect(await env.emu.files.get('sandy', remote)).toBeUndefined();
  const cps = await checkpointFiles();
  expect(cps).toHaveLength(1);
  expect(cps[0]!.offset).toBe(12 * MiB);
  return { data, local, remote, cp: cps[0]! };
}

/** The session requests of the next upload, with their arguments. */
function sessionCalls(from: number) {
  return env.emu.requests
    .slice(from)
    .filter((r) => r.route.startsWith('files/upload_session/'))
    .map((r) => ({
      route: r.route,
      status: r.status,
      arg: JSON.parse(r.headers['dropbox-api-arg'] ?? '{}') as { cursor?: { session_id: string; offset: number } },
    }));
}

describe('resumable uploads', () => {
  it('continues the checkpointed session from its offset and sends no earlier byte again', async () => {
    const { data, local, remote, cp } = await interrupted(11);
    const mark = env.emu.requests.length;
    const md = await client(uploadCheckpointsIn(area, 'c1')).upload(local, remote);
    const calls = sessionCalls(mark);
    expect(calls.map((c) => c.route)).not.toContain('files/upload_session/start');
    const appends = calls.filter((c) => c.route === 'files/upload_session/append_v2');
    expect(appends.map((c) => c.arg.cursor!.offset)).toEqual([12 * MiB, 16 * MiB, 20 * MiB]);
    for (const c of calls) expect(c.arg.cursor!.session_id).toBe(cp.sessionId);
    expect(md.size).toBe(SIZE);
    expect((await env.emu.files.get('sandy', remote))!.equals(data)).toBe(true);
    expect(await checkpointFiles()).toEqual([]);
  });

  it('follows incorrect_offset when the session is further than the checkpoint says', async () => {
    const { data, local, remote, cp } = await interrupted(12);
    await writeFile(cp.file, JSON.stringify({ ...JSON.parse(await readFile(cp.file, 'utf8')), offset: 4 * MiB }));
    const mark = env.emu.requests.length;
    await client(uploadCheckpointsIn(area, 'c1')).upload(local, remote);
    const appends = sessionCalls(mark).filter((c) => c.route === 'files/upload_session/append_v2');
    expect(appends.map((c) => [c.arg.cursor!.offset, c.status])).toEqual([
      [4 * MiB, 409],
      [12 * MiB, 200],
      [16 * MiB, 200],
      [20 * MiB, 200],
    ]);
    expect(sessionCalls(mark).map((c) => c.route)).not.toContain('files/upload_session/start');
    expect((await env.emu.files.get('sandy', remote))!.equals(data)).toBe(true);
  });

  it('starts clean when the file changed since the checkpoint', async () => {
    const { local, remote, cp } = await interrupted(13);
    const changed = pattern(SIZE, 99);
    await writeFile(local, changed);
    const mark = env.emu.requests.length;
    await client(uploadCheckpointsIn(area, 'c1')).upload(local, remote);
    const calls = sessionCalls(mark);
    expect(calls[0]!.route).toBe('files/upload_session/start');
    expect(calls.some((c) => c.arg.cursor?.session_id === cp.sessionId)).toBe(false);
    expect((await env.emu.files.get('sandy', remote))!.equals(changed)).toBe(true);
    expect(await checkpointFiles()).toEqual([]);
  });

  it('starts clean when the server no longer has the session', async () => {
    const { data, local, remote, cp } = await interrupted(14);
    await writeFile(
      cp.file,
      JSON.stringify({ ...JSON.parse(await readFile(cp.file, 'utf8')), sessionId: 'pid:gone-after-restart' }),
    );
    const mark = env.emu.requests.length;
    await client(uploadCheckpointsIn(area, 'c1')).upload(local, remote);
    const calls = sessionCalls(mark);
    expect(calls.slice(0, 2).map((c) => [c.route, c.status])).toEqual([
      ['files/upload_session/append_v2', 409],
      ['files/upload_session/start', 200],
    ]);
    expect((await env.emu.files.get('sandy', remote))!.equals(data)).toBe(true);
    expect(await checkpointFiles()).toEqual([]);
  });
});
