// The whole connector through real proxies to the emulator: a session upload and a
// download of the same bytes through tinyproxy (CONNECT) and microsocks (SOCKS5).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startEmulator } from '../../plugins/dropbox/emulator/index.ts';
import { createDispatcher } from '../../src/net/dispatcher.ts';
import { createDropboxClient } from '../../plugins/dropbox/api/client.ts';
import { contentHash } from '../../plugins/dropbox/api/content-hash.ts';
import { ProxyError } from '../../plugins/dropbox/api/errors.ts';
import { startTinyproxy, startMicrosocks, type RunningProxy } from '../helpers/proxies.ts';
import { tempDir, pattern, tokenSource, type Emu } from '../connector/helpers.ts';

let emu: Emu;
let tiny: RunningProxy;
let socks: RunningProxy;
let tmp: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  emu = await startEmulator({ port: 0 });
  [tiny, socks, tmp] = await Promise.all([startTinyproxy(), startMicrosocks(), tempDir()]);
});
afterAll(async () => {
  await Promise.all([emu?.close(), tiny?.stop(), socks?.stop(), tmp?.cleanup()]);
});

const emuPort = () => emu.url.split(':')[2];

describe.each([
  [
    'http',
    () => tiny,
    (log: string) => log.split('\n').filter((l) => l.includes(`CONNECT 127.0.0.1:${emuPort()}`)).length,
  ],
  [
    'socks5',
    () => socks,
    (log: string) => log.split('\n').filter((l) => l.includes(`connected to 127.0.0.1:${emuPort()}`)).length,
  ],
] as const)('connector through a %s proxy', (type, proxy, count) => {
  it('uploads and downloads 9 MiB through it', async () => {
    const p = proxy();
    const dispatcher = createDispatcher({
      proxy: { type, host: p.host, port: p.port, username: p.username, password: p.password },
    });
    try {
      const client = createDropboxClient({
        dispatcher,
        token: tokenSource(emu, { account: 'sandy' }),
        endpoints: { api: emu.url, content: emu.url },
        chunkSize: 4 * 1024 * 1024,
        simpleUploadMax: 4 * 1024 * 1024,
      });
      const data = pattern(9 * 1024 * 1024 + 1, type.length);
      const local = await tmp.file(`${type}.bin`, data);
      const before = count(await p.log());
      const md = await client.upload(local, `/via-${type}.bin`, { mode: 'overwrite' });
      expect(md.content_hash).toBe(contentHash(data));
      const back = join(tmp.dir, `${type}-back.bin`);
      await client.download(`/via-${type}.bin`, back);
      expect((await readFile(back)).equals(data)).toBe(true);
      expect(count(await p.log())).toBeGreaterThan(before);
    } finally {
      await dispatcher.close();
    }
  });

  it('a wrong password fails the call with one line naming the proxy', async () => {
    const p = proxy();
    const dispatcher = createDispatcher({
      proxy: { type, host: p.host, port: p.port, username: p.username, password: 'bad' },
    });
    try {
      const client = createDropboxClient({
        dispatcher,
        token: tokenSource(emu, { account: 'sandy' }),
        endpoints: { api: emu.url, content: emu.url },
      });
      const err = await client.getSpaceUsage().catch((e) => e);
      expect(err).toBeInstanceOf(ProxyError);
      expect(err.message).toMatch(
        new RegExp(
          `^users/get_space_usage: the ${type} proxy 127\\.0\\.0\\.1:${p.port} \\(user ${p.username}\\) rejected the credentials`,
        ),
      );
      expect(err.message.includes('\n')).toBe(false);
    } finally {
      await dispatcher.close();
    }
  });
});
