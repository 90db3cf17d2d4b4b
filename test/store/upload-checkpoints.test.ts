// The Dropbox plugin's upload checkpoints over both backends' checkpoint areas: what
// one daemon saved, another resumes; the sweep removes what no upload can resume.
import { describe, expect, it } from 'vitest';
import { mkdtemp, stat, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  sweepCheckpoints,
  UPLOAD_SESSIONS,
  uploadCheckpointsIn,
} from '../../plugins/dropbox/api/upload-checkpoints.ts';
import { FileStore } from '../../src/store/file-store.ts';
import { PostgresStore } from '../../src/store/postgres/postgres-store.ts';
import type { Store } from '../../src/store/store.ts';
import { postgresForFile } from '../helpers/postgres.ts';

const server = postgresForFile();

const stores: Record<string, (state: string) => Promise<[Store, Store]>> = {
  file: async (state) => [new FileStore({ state, historyLimit: 5 }), new FileStore({ state, historyLimit: 5 })],
  postgres: async (state) => {
    const url = await server().database();
    const env = { DROPCRON_MASTER_KEY: randomBytes(32).toString('base64') };
    const make = () => new PostgresStore({ state, historyLimit: 5, store: { postgres: url } }, env);
    return [make(), make()];
  },
};

describe.each(Object.keys(stores))('upload checkpoints in the %s store', (name) => {
  it('resume on another store instance; the sweep removes a checkpoint whose file is gone', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dropcron-cp-'));
    const [a, b] = await stores[name]!(join(dir, 'state'));
    try {
      const local = (n: string) => join(dir, n);
      await writeFile(local('kept.bin'), '0123456789');
      await writeFile(local('gone.bin'), '0123456789');
      const mine = uploadCheckpointsIn(a.checkpoints(UPLOAD_SESSIONS), 'c1');
      for (const n of ['kept.bin', 'gone.bin'])
        await mine.slot(local(n), `/up/${n}`, await stat(local(n))).save({ sessionId: `s-${n}`, offset: 4 });
      await unlink(local('gone.bin'));

      const area = b.checkpoints(UPLOAD_SESSIONS);
      expect(await area.list()).toHaveLength(2);
      const theirs = uploadCheckpointsIn(area, 'c1');
      const slot = theirs.slot(local('kept.bin'), '/up/kept.bin', await stat(local('kept.bin')));
      expect(await slot.resume()).toEqual({ sessionId: 's-kept.bin', offset: 4 });
      // The resume swept first: only the resumable checkpoint is left.
      expect((await area.list()).map((e) => JSON.parse(e.value).localPath)).toEqual([local('kept.bin')]);
      expect(await sweepCheckpoints(area)).toEqual([]);
      await slot.remove();
      expect(await area.list()).toEqual([]);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
