// Shared set-up for the connector's emulator tests: a real dispatcher, a token source
// over the emulator's issueToken that counts refreshes, and temp files.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDispatcher } from '../../src/net/dispatcher.ts';
import { createDropboxClient, type ClientOptions } from '../../plugins/dropbox/api/client.ts';
import { RefreshingToken } from '../../plugins/dropbox/api/token.ts';
import { startEmulator, type Emulator } from '../../plugins/dropbox/emulator/index.ts';
import { afterAll, beforeAll } from 'vitest';

export type Emu = Emulator;

export function tokenSource(emu: Emu, issue: Parameters<Emu['issueToken']>[0] = {}) {
  const counter = { refreshes: 0 };
  const src = new RefreshingToken(async () => {
    counter.refreshes++;
    const t = await emu.issueToken(issue);
    return { accessToken: t.accessToken, expiresAt: Date.now() + t.expiresIn * 1000 };
  });
  return Object.assign(src, { counter });
}

export function makeClient(
  emu: Emu,
  issue: Parameters<Emu['issueToken']>[0] = { account: 'sandy' },
  extra: Partial<ClientOptions> = {},
) {
  const dispatcher = createDispatcher({ timeoutSeconds: 30 });
  const token = tokenSource(emu, issue);
  const client = createDropboxClient({
    dispatcher,
    token,
    endpoints: { api: emu.url, content: emu.url },
    retry: { baseDelayMs: 5, maxDelayMs: 50, defaultRetryAfterMs: 50 },
    ...extra,
  });
  return { client, token, dispatcher };
}

export async function tempDir(): Promise<{
  dir: string;
  file(name: string, data: Buffer | string): Promise<string>;
  cleanup(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'dropcron-conn-'));
  return {
    dir,
    async file(name, data) {
      const p = join(dir, name);
      await writeFile(p, data);
      return p;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

export function pattern(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    b[i] = x >>> 24;
  }
  return b;
}

/** An emulator and a temp folder shared by one test file: started before its tests, closed after. */
export function emulatorForFile(): { emu: Emu; tmp: Awaited<ReturnType<typeof tempDir>> } {
  const env = {} as ReturnType<typeof emulatorForFile>;
  beforeAll(async () => {
    env.emu = await startEmulator({ port: 0 });
    env.tmp = await tempDir();
  });
  afterAll(async () => {
    await env.emu?.close();
    await env.tmp?.cleanup();
  });
  return env;
}
