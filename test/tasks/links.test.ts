// upload's and list's `link` option against the sandbox: the links in the task's result
// and handed on, served by the sandbox until they expire, an existing shared link reused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';
import { uploadTask } from '../../plugins/dropbox/tasks/upload.ts';
import { listTask } from '../../plugins/dropbox/tasks/list.ts';
import type { FileLink, Metadata } from '../../plugins/dropbox/api/types.ts';
import { createDropboxClient } from '../../plugins/dropbox/api/client.ts';
import { TaskFailedError } from '../../plugins/dropbox/tasks/result.ts';
import { withDefaults } from '../../src/config/defaults.ts';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => h.close());

const items = (out: unknown) => (out as { items: Array<Metadata & { link?: FileLink }> }).items;

async function fetchText(url: string): Promise<{ status: number; text: string }> {
  const res = await request(url);
  return { status: res.statusCode, text: await res.body.text() };
}

describe('links', () => {
  it('upload makes a temporary link per uploaded file, handed on and in the result, refused once expired', async () => {
    const src = join(h.dir, 'links-up');
    await mkdir(src, { recursive: true });
    await writeFile(join(src, 'report.txt'), 'the report');
    await writeFile(join(src, 'data.csv'), 'a,b');
    await h.run(uploadTask, { from: src, to: '/links' });
    // Only what this run uploads gets a link: the unchanged report.txt is skipped.
    await writeFile(join(src, 'new.txt'), 'new one');
    const res = await h.run(uploadTask, { from: src, to: '/links', link: 'temporary' });
    expect(res.counts).toMatchObject({ uploaded: 1, links: 1 });
    expect(res.links).toEqual([{ target: '/links/new.txt', url: expect.any(String), expires: expect.any(String) }]);
    const handed = items(res.output);
    expect(handed.map((m) => [m.path_display, m.link?.url])).toEqual([['/links/new.txt', res.links![0]!.url]]);
    expect(await fetchText(res.links![0]!.url)).toEqual({ status: 200, text: 'new one' });
    h.emu.advanceClock(4 * 3600 + 60);
    expect((await fetchText(res.links![0]!.url)).status).toBe(410);
  });

  it('list makes shared links for its matches and reuses a file that already has one', async () => {
    await h.emu.files.put('sandy', '/shared/a.txt', 'alpha');
    await h.emu.files.put('sandy', '/shared/b.txt', 'beta');
    const before = await h.client.sharedLink('/shared/a.txt', {});
    const res = await h.run(listTask, { path: '/shared', link: { shared: {} } });
    expect(res.links!.map((l) => l.target)).toEqual(['/shared/a.txt', '/shared/b.txt']);
    expect(res.links![0]!.url).toBe(before.url);
    expect(res.links![1]!.url).not.toBe(before.url);
    expect(items(res.output).map((m) => m.link?.url)).toEqual(res.links!.map((l) => l.url));
    expect(await fetchText(res.links![1]!.url.replace(/dl=0/, 'dl=1'))).toMatchObject({ status: 200, text: 'beta' });
    // A second run asks again: Dropbox answers shared_link_already_exists, the same links come back.
    const again = await h.run(listTask, { path: '/shared', link: { shared: {} } });
    expect(again.links).toEqual(res.links);
  });

  it('a dry run makes no links', async () => {
    await h.emu.files.put('sandy', '/dry/a.txt', 'alpha');
    const res = await h.run(listTask, { path: '/dry', link: 'temporary' }, { dryRun: true });
    expect(res.links).toBeUndefined();
    expect(res.counts.links).toBeUndefined();
  });
});

describe('a shared link without the sharing.write scope', () => {
  it('fails the file with the fix: sign in again with sharing.write', async () => {
    const scopes = ['account_info.read', 'files.metadata.read', 'files.content.read', 'files.content.write'];
    const client = createDropboxClient({
      dispatcher: h.agent,
      token: {
        token: async () => h.emu.issueToken({ account: 'sandy', scopes }).accessToken,
        refresh: async () => h.emu.issueToken({ account: 'sandy', scopes }).accessToken,
      },
      endpoints: { api: h.emu.url, content: h.emu.url },
    });
    await h.emu.files.put('sandy', '/noscope/a.txt', 'alpha');
    const err = await listTask
      .run(withDefaults(listTask.schema, { path: '/noscope', link: { shared: {} } }) as never, {
        ...h.ctx(),
        connection: client,
      })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TaskFailedError);
    expect((err as TaskFailedError).failures).toEqual([
      expect.stringMatching(
        /^\/noscope\/a\.txt: .*lacks the scope 'sharing\.write'.*sign in again with sharing\.write/,
      ),
    ]);
  });
});
