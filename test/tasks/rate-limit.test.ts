// Issue 12 row 1, "survive a bad day": many concurrent calls against a hard rate limit.
// The emulator answers 429 (Retry-After 1 s) past N calls/s per token; the upload must
// still complete, every file there and hash-equal, and say how many 429s it provoked.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent } from 'undici';
import { uploadTask } from '../../plugins/dropbox/tasks/upload.ts';
import { createDropboxClient } from '../../plugins/dropbox/api/client.ts';
import { contentHash } from '../../plugins/dropbox/api/content-hash.ts';
import type { FileMetadata } from '../../plugins/dropbox/api/types.ts';
import { remoteTree, startHarness, tokenSource, type Harness } from './harness.ts';

// Without the pacer (each call retrying alone, 6 attempts) 25 of the 151 files failed at this rate.
const RATE = 10; // calls per second per token
const SMALL = 150;
const MiB = 1024 * 1024;

let h: Harness;
let agent: Agent;
beforeAll(async () => {
  h = await startHarness();
  agent = new Agent();
});
afterAll(async () => {
  await agent.close();
  await h.close();
});

describe('upload under a rate limit', () => {
  it(`uploads ${SMALL} small files and a multi-chunk one at ${RATE} calls/s, counting the 429s`, async () => {
    const src = join(h.dir, 'many');
    await mkdir(src, { recursive: true });
    const local = new Map<string, Buffer>();
    for (let i = 0; i < SMALL; i++)
      local.set(`f${String(i).padStart(3, '0')}.txt`, Buffer.from(`file ${i}\n`.repeat(50)));
    // 4 MiB chunks: start, appends and finish are separate calls in the same stream of 429s.
    local.set('big.bin', Buffer.alloc(10 * MiB + 12345, 7));
    for (const [name, data] of local) await writeFile(join(src, name), data);

    // Its own client (and token, so its own rate window), with 4 MiB chunks; default retry policy.
    const client = createDropboxClient({
      dispatcher: agent,
      token: tokenSource(h.emu),
      endpoints: { api: h.emu.url, content: h.emu.url },
      chunkSize: 4 * MiB,
    });
    h.emu.faults.set({ rateLimitPerSecond: RATE });
    const before = h.emu.requests.length;
    let res;
    try {
      res = await h.run(uploadTask, { from: src, to: '/limited' }, { connection: client });
    } finally {
      h.emu.faults.set({ rateLimitPerSecond: 0 });
    }
    const provoked = h.emu.requests.slice(before).filter((r) => r.status === 429).length;

    expect(res.counts.uploaded).toBe(SMALL + 1);
    expect(res.counts.failed).toBeUndefined();
    expect(provoked).toBeGreaterThan(0); // the limit really bit
    expect(res.counts.throttled).toBe(provoked);

    const tree = await remoteTree(h.client, '/limited');
    for (const [name, data] of local) {
      const md = tree.get(`/limited/${name}`) as FileMetadata | undefined;
      expect(md?.content_hash, name).toBe(contentHash(data));
    }
  }, 60_000);
});
