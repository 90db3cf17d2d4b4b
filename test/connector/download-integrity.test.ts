// A download whose bytes do not match Dropbox's content_hash is discarded: the temp
// file is removed and the target is never created. (The emulator serves only
// correct bytes, so this narrow case runs over MockAgent.)
import { describe, it, expect, afterEach } from 'vitest';
import { MockAgent } from 'undici';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Transport } from '../../plugins/dropbox/api/http.ts';
import { downloadFile } from '../../plugins/dropbox/api/download.ts';
import { IntegrityError } from '../../plugins/dropbox/api/errors.ts';
import { contentHash } from '../../plugins/dropbox/api/content-hash.ts';
import { encodeArg } from '../../plugins/dropbox/api/arg-header.ts';
import { tempDir } from './helpers.ts';

let mock: MockAgent;
afterEach(async () => {
  await mock?.close();
});

function transport() {
  mock = new MockAgent();
  mock.disableNetConnect();
  return {
    pool: mock.get('http://dbx.test'),
    t: new Transport({
      dispatcher: mock,
      token: { token: async () => 't', refresh: async () => 't' },
      api: 'http://dbx.test',
      content: 'http://dbx.test',
    }),
  };
}
const md = (body: string, hash: string) => ({
  name: 'f.txt',
  id: 'id:1',
  rev: '0123456789a',
  size: body.length,
  content_hash: hash,
  client_modified: '2024-01-01T00:00:00Z',
  server_modified: '2024-01-01T00:00:00Z',
});

describe('download integrity', () => {
  it('a content_hash mismatch removes the partial file and leaves no target', async () => {
    const tmp = await tempDir();
    try {
      const { pool, t } = transport();
      pool.intercept({ path: '/2/files/download', method: 'POST' }).reply(200, 'tampered', {
        headers: { 'dropbox-api-result': encodeArg(md('tampered', contentHash(Buffer.from('original')))) },
      });
      const err = await downloadFile(t, '/f.txt', join(tmp.dir, 'f.txt'), {}).catch((e) => e);
      expect(err).toBeInstanceOf(IntegrityError);
      expect(err.message).toMatch(/content_hash .* but Dropbox has .*discarded/);
      expect(await readdir(tmp.dir)).toEqual([]);
    } finally {
      await tmp.cleanup();
    }
  });

  it('a matching hash lands the file', async () => {
    const tmp = await tempDir();
    try {
      const { pool, t } = transport();
      pool.intercept({ path: '/2/files/download', method: 'POST' }).reply(200, 'original', {
        headers: { 'dropbox-api-result': encodeArg(md('original', contentHash(Buffer.from('original')))) },
      });
      await downloadFile(t, '/f.txt', join(tmp.dir, 'f.txt'), {});
      expect(await readdir(tmp.dir)).toEqual(['f.txt']);
    } finally {
      await tmp.cleanup();
    }
  });
});
