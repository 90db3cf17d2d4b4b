// Two recoveries the emulator cannot stage (it never loses a reply after committing):
// an upload session resynced from incorrect_offset/correct_offset, and a 422
// invalid_root answered by refreshing the root and replaying once. Over MockAgent.
import { describe, it, expect, afterEach } from 'vitest';
import { MockAgent } from 'undici';
import { createDropboxClient } from '../../plugins/dropbox/api/client.ts';
import { contentHash } from '../../plugins/dropbox/api/content-hash.ts';
import { tempDir, pattern } from './helpers.ts';

const O = 'http://dbx.test';
const MiB = 1024 * 1024;
const json = { 'content-type': 'application/json' };
let mock: MockAgent;
afterEach(async () => {
  await mock?.close();
});

function client(extra: Record<string, unknown> = {}) {
  mock = new MockAgent();
  mock.disableNetConnect();
  const c = createDropboxClient({
    dispatcher: mock,
    token: { token: async () => 't', refresh: async () => 't' },
    endpoints: { api: O, content: O },
    chunkSize: 4 * MiB,
    simpleUploadMax: 4 * MiB,
    retry: { baseDelayMs: 1, maxDelayMs: 2 },
    ...extra,
  });
  return { c, pool: mock.get(O) };
}
const account = (root: string) => ({
  account_id: 'dbid:x',
  root_info: { '.tag': 'team', root_namespace_id: root, home_namespace_id: '5' },
});
const argOf = (h: unknown) => JSON.parse((h as Record<string, string>)['dropbox-api-arg']!);

describe('upload session resync', () => {
  it('a lost append reply is followed by incorrect_offset; the chunk counts as stored and the upload goes on', async () => {
    const tmp = await tempDir();
    try {
      const data = pattern(8 * MiB + 10, 4);
      const local = await tmp.file('f.bin', data);
      const { c, pool } = client();
      const appends: Array<{ offset: number; bytes: number }> = [];
      pool
        .intercept({ path: '/2/files/upload_session/start', method: 'POST' })
        .reply(200, { session_id: 's1' }, { headers: json });
      // 1st append: the reply is lost after Dropbox stored it.
      pool
        .intercept({ path: '/2/files/upload_session/append_v2', method: 'POST' })
        .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
      // The replay: Dropbox is already past this chunk.
      pool
        .intercept({ path: '/2/files/upload_session/append_v2', method: 'POST' })
        .reply(
          409,
          { error_summary: 'incorrect_offset/', error: { '.tag': 'incorrect_offset', correct_offset: 8 * MiB } },
          { headers: json },
        );
      pool
        .intercept({
          path: '/2/files/upload_session/append_v2',
          method: 'POST',
          headers: (h) => {
            const a = argOf(h);
            appends.push({ offset: a.cursor.offset, bytes: Number((h as Record<string, string>)['content-length']) });
            return true;
          },
        })
        .reply(200, 'null', { headers: json });
      let finishArg: { cursor: { offset: number }; content_hash: string } | undefined;
      pool
        .intercept({ path: '/2/users/get_current_account', method: 'POST' })
        .reply(200, account('5'), { headers: json });
      pool
        .intercept({
          path: '/2/files/upload_session/finish',
          method: 'POST',
          headers: (h) => {
            finishArg = argOf(h);
            return true;
          },
        })
        .reply(200, { name: 'f.bin', size: data.length, content_hash: contentHash(data) }, { headers: json });
      const md = await c.upload(local, '/f.bin');
      expect(md.size).toBe(data.length);
      expect(appends).toContainEqual({ offset: 8 * MiB, bytes: 10 });
      expect(finishArg?.cursor.offset).toBe(data.length);
      expect(finishArg?.content_hash).toBe(contentHash(data));
      mock.assertNoPendingInterceptors();
    } finally {
      await tmp.cleanup();
    }
  });

  it('a correct_offset inside the chunk resends only the remainder', async () => {
    const tmp = await tempDir();
    try {
      const data = pattern(8 * MiB, 6);
      const local = await tmp.file('g.bin', data);
      const { c, pool } = client();
      const sent: Array<{ offset: number; bytes: number }> = [];
      pool
        .intercept({ path: '/2/files/upload_session/start', method: 'POST' })
        .reply(200, { session_id: 's2' }, { headers: json });
      pool
        .intercept({ path: '/2/files/upload_session/append_v2', method: 'POST' })
        .reply(409, { error: { '.tag': 'incorrect_offset', correct_offset: 6 * MiB } }, { headers: json });
      pool
        .intercept({
          path: '/2/files/upload_session/append_v2',
          method: 'POST',
          headers: (h) => {
            const a = argOf(h);
            sent.push({ offset: a.cursor.offset, bytes: Number((h as Record<string, string>)['content-length']) });
            return true;
          },
        })
        .reply(200, 'null', { headers: json });
      pool
        .intercept({ path: '/2/users/get_current_account', method: 'POST' })
        .reply(200, account('5'), { headers: json });
      pool
        .intercept({ path: '/2/files/upload_session/finish', method: 'POST' })
        .reply(200, { name: 'g.bin', size: data.length, content_hash: contentHash(data) }, { headers: json });
      await c.upload(local, '/g.bin');
      expect(sent.at(-1)).toEqual({ offset: 6 * MiB, bytes: 2 * MiB });
    } finally {
      await tmp.cleanup();
    }
  });
});

describe('invalid_root', () => {
  it('refreshes the root from the 422 and replays once with the new Path-Root', async () => {
    const { c, pool } = client({ business: { pathRoot: 'team' } });
    const roots: string[] = [];
    pool
      .intercept({ path: '/2/users/get_current_account', method: 'POST' })
      .reply(200, account('100'), { headers: json });
    pool
      .intercept({
        path: '/2/files/get_metadata',
        method: 'POST',
        headers: (h) => {
          roots.push((h as Record<string, string>)['dropbox-api-path-root']!);
          return true;
        },
      })
      .reply(
        422,
        {
          error_summary: 'invalid_root/',
          error: {
            '.tag': 'invalid_root',
            invalid_root: { '.tag': 'team', root_namespace_id: '200', home_namespace_id: '5' },
          },
        },
        { headers: json },
      );
    pool
      .intercept({
        path: '/2/files/get_metadata',
        method: 'POST',
        headers: (h) => {
          roots.push((h as Record<string, string>)['dropbox-api-path-root']!);
          return true;
        },
      })
      .reply(200, { '.tag': 'folder', name: 'x', id: 'id:1' }, { headers: json });
    expect((await c.getMetadata('/x'))?.name).toBe('x');
    expect(roots.map((r) => JSON.parse(r).root).filter((v, i, a) => a.indexOf(v) === i)).toEqual(['100', '200']);
    expect((await c.rootInfo()).root_namespace_id).toBe('200');
  });
});
