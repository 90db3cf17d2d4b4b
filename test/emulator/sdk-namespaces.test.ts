// Copy and move across Business namespaces through the official npm SDK, unchanged. files.stone
// lets copy_v2/move_v2 (and list_folder, get_metadata) take `ns:<id>[/path]`; with
// Dropbox-API-Path-Root set to the team root, team folders are also plain top-level folders.
// Files and folders cross namespaces; a shared folder itself does not (RelocationError).
import { describe, expect, it } from 'vitest';
import { loadSeed } from '../../plugins/dropbox/emulator/seed.ts';
import { failure, sdkClient, withSdk } from './sdk-client.ts';

// The default seed plus a second team folder, so there are two team namespaces to cross.
const seed = loadSeed();
seed.teams![0]!.teamFolders!.push({ name: 'Projects', namespaceId: '2005' });
const ctx = withSdk({ seed });

const TEAM_ROOT = JSON.stringify({ '.tag': 'root', root: '2001' });

describe('ns: paths and team folders (official npm SDK)', () => {
  it('copies and moves a file from one team folder namespace to another', async () => {
    const alice = sdkClient(ctx.emu, { account: 'alice', pathRoot: TEAM_ROOT });
    const up = (await alice.filesUpload({ path: 'ns:2004/reports/q1.csv', contents: Buffer.from('q,1\n') })).result;
    expect(up.path_display).toBe('/Team Shared/reports/q1.csv');

    const listed = (await alice.filesListFolder({ path: 'ns:2004/reports' })).result.entries;
    expect(listed.map((e) => e.path_display)).toEqual(['/Team Shared/reports/q1.csv']);
    const projects = (await alice.filesGetMetadata({ path: 'ns:2005' })).result;
    expect(projects).toMatchObject({ '.tag': 'folder', name: 'Projects', path_display: '/Projects' });

    const copied = (await alice.filesCopyV2({ from_path: 'ns:2004/reports/q1.csv', to_path: 'ns:2005/in/q1.csv' }))
      .result.metadata;
    expect(copied).toMatchObject({ path_display: '/Projects/in/q1.csv', content_hash: up.content_hash });
    expect(copied.parent_shared_folder_id).toBe('2005');
    expect((await alice.filesGetMetadata({ path: 'ns:2004/reports/q1.csv' })).result.name).toBe('q1.csv');

    const moved = (await alice.filesMoveV2({ from_path: 'ns:2004/reports/q1.csv', to_path: 'ns:2005/archive/q1.csv' }))
      .result.metadata;
    expect(moved).toMatchObject({
      path_display: '/Projects/archive/q1.csv',
      id: up.id,
      parent_shared_folder_id: '2005',
    });
    expect((await failure(alice.filesGetMetadata({ path: 'ns:2004/reports/q1.csv' }))).error).toEqual({
      '.tag': 'path',
      path: { '.tag': 'not_found' },
    });

    // The same crossing by plain paths under the team root, and in a batch.
    const back = (await alice.filesCopyV2({ from_path: '/Projects/in/q1.csv', to_path: '/Team Shared/back.csv' }))
      .result.metadata;
    expect(back.path_display).toBe('/Team Shared/back.csv');
    const batch = (
      await alice.filesMoveBatchV2({
        entries: [{ from_path: 'ns:2004/back.csv', to_path: 'ns:2005/back.csv' }],
      })
    ).result;
    const check = (
      await alice.filesMoveBatchCheckV2({ async_job_id: (batch as { async_job_id: string }).async_job_id })
    ).result as { '.tag': string; entries: Array<{ '.tag': string; success: { path_display: string } }> };
    expect(check.entries[0]).toMatchObject({ '.tag': 'success', success: { path_display: '/Projects/back.csv' } });
  });

  it('refuses what Dropbox refuses: copying a shared folder, nesting or moving one', async () => {
    const alice = sdkClient(ctx.emu, { account: 'alice', pathRoot: TEAM_ROOT });
    const cases: Array<[Promise<unknown>, unknown]> = [
      [alice.filesCopyV2({ from_path: 'ns:2004', to_path: '/Projects/copy' }), { '.tag': 'cant_copy_shared_folder' }],
      [alice.filesMoveV2({ from_path: 'ns:2004', to_path: 'ns:2005/nested' }), { '.tag': 'cant_nest_shared_folder' }],
      [
        alice.filesMoveV2({ from_path: '/Team Shared', to_path: '/Alice Archer/mine' }),
        { '.tag': 'cant_move_shared_folder' },
      ],
      [
        alice.filesCopyV2({ from_path: 'ns:9999/x.txt', to_path: 'ns:2005/x.txt' }),
        { '.tag': 'from_lookup', from_lookup: { '.tag': 'not_found' } },
      ],
    ];
    for (const [call, error] of cases) {
      const f = await failure(call);
      expect(f).toEqual({ status: 409, error });
    }
    // Bob's member folder is another member's namespace: not his to reach by ns:.
    const bob = sdkClient(ctx.emu, { account: 'bob', pathRoot: TEAM_ROOT });
    const f = await failure(bob.filesListFolder({ path: 'ns:2002' }));
    expect(f.error).toEqual({ '.tag': 'path', path: { '.tag': 'not_found' } });
  });
});
