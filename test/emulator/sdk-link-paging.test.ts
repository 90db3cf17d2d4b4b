// sharing/list_shared_links paging through the official npm SDK, unchanged: without a path the
// links come in pages (has_more, cursor; the cursor is passed back as the only argument); with a
// path all of them at once and no cursor, as sharing.stone says.
import { describe, expect, it } from 'vitest';
import { failure, sdkClient, withSdk } from './sdk-client.ts';

const ctx = withSdk();

describe('sharing/list_shared_links paging (official npm SDK)', () => {
  it('pages by cursor, skips links revoked meanwhile, answers reset for an unknown cursor', async () => {
    const { dbx, emu } = ctx;
    const urls: string[] = [];
    for (let i = 0; i < 5; i++) {
      await dbx.filesUpload({ path: `/paged/f${i}.txt`, contents: Buffer.from(`file ${i}`) });
      urls.push((await dbx.sharingCreateSharedLinkWithSettings({ path: `/paged/f${i}.txt` })).result.url);
    }
    emu.faults.set({ sharedLinksPageSize: 2 });
    try {
      const first = (await dbx.sharingListSharedLinks({})).result;
      expect(first.links).toHaveLength(2);
      expect(first.has_more).toBe(true);
      expect(first.cursor).toEqual(expect.any(String));
      const seen = first.links.map((l) => l.url);
      const second = (await dbx.sharingListSharedLinks({ cursor: first.cursor })).result;
      expect(second.links).toHaveLength(2);
      expect(second.has_more).toBe(true);
      seen.push(...second.links.map((l) => l.url));
      // A cursor is good once; reusing it (or inventing one) is the route's reset.
      expect((await failure(dbx.sharingListSharedLinks({ cursor: first.cursor }))).error).toEqual({ '.tag': 'reset' });
      expect((await failure(dbx.sharingListSharedLinks({ cursor: 'nonsense' }))).status).toBe(409);
      const last = (await dbx.sharingListSharedLinks({ cursor: second.cursor })).result;
      expect(last.has_more).toBe(false);
      expect(last.cursor).toBeUndefined();
      seen.push(...last.links.map((l) => l.url));
      expect(seen.sort()).toEqual([...urls].sort());

      // A link revoked between pages is not handed out later.
      const p1 = (await dbx.sharingListSharedLinks({})).result;
      const later = urls.filter((u) => !p1.links.some((l) => l.url === u));
      await dbx.sharingRevokeSharedLink({ url: later[0]! });
      const rest: string[] = [];
      for (let c = p1.cursor; c;) {
        const r = (await dbx.sharingListSharedLinks({ cursor: c })).result;
        rest.push(...r.links.map((l) => l.url));
        c = r.has_more ? r.cursor : undefined;
      }
      expect(rest.sort()).toEqual(later.slice(1).sort());

      // With a path: every link that reaches it at once, no cursor, whatever the page size.
      const folder = (await dbx.sharingCreateSharedLinkWithSettings({ path: '/paged' })).result.url;
      const byPath = (await dbx.sharingListSharedLinks({ path: '/paged/f1.txt' })).result;
      expect(byPath.links.map((l) => l.url).sort()).toEqual([urls[1], folder].sort());
      expect(byPath.has_more).toBe(false);
      expect(byPath.cursor).toBeUndefined();
    } finally {
      emu.faults.set({ sharedLinksPageSize: undefined });
    }
  });

  it('a cursor belongs to the account that listed', async () => {
    const { dbx, emu } = ctx;
    emu.faults.set({ sharedLinksPageSize: 1 });
    try {
      const first = (await dbx.sharingListSharedLinks({})).result;
      expect(first.has_more).toBe(true);
      const alice = sdkClient(emu, { account: 'alice' });
      expect((await failure(alice.sharingListSharedLinks({ cursor: first.cursor }))).error).toEqual({
        '.tag': 'reset',
      });
    } finally {
      emu.faults.set({ sharedLinksPageSize: undefined });
    }
  });
});
