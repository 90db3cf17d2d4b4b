// team/members/list_v2 and team/namespaces/list (with their continue routes) through the
// official npm SDK with a team-admin link's token: the lists a Select-User / Path-Root
// picker is built from.
import { describe, expect, it } from 'vitest';
import { Dropbox } from 'dropbox';
import { memberOf } from './helpers.ts';
import { failure, rewritingFetch, withSdk } from './sdk-client.ts';

const ctx = withSdk();
const teamClient = () =>
  new Dropbox({
    accessToken: ctx.emu.issueToken({ team: true, app: 'custom-app' }).accessToken,
    fetch: rewritingFetch(() => ctx.emu.url),
  });

describe('team lists (official npm SDK)', () => {
  it('lists members page by page with their ids and folders', async () => {
    const team = teamClient();
    const first = (await team.teamMembersListV2({ limit: 1 })).result;
    expect(first.has_more).toBe(true);
    const next = (await team.teamMembersListContinueV2({ cursor: first.cursor })).result;
    expect(next.has_more).toBe(false);
    const all = [...first.members, ...next.members].map((m) => m.profile);
    const alice = memberOf(ctx.emu, 'alice');
    expect(all.map((p) => p.email)).toEqual(['alice@acme.example', 'bob@acme.example']);
    expect(all[0]).toMatchObject({
      team_member_id: alice.memberId,
      account_id: alice.accountId,
      status: { '.tag': 'active' },
      name: { display_name: 'Alice Archer' },
      member_folder_id: '2002',
      root_folder_id: '2001',
    });
    expect(first.members[0]!.roles?.map((r) => r.name)).toEqual(['Team']);
    // A cursor is spent once read.
    expect((await failure(team.teamMembersListContinueV2({ cursor: first.cursor }))).error).toEqual({
      '.tag': 'invalid_cursor',
    });
  });

  it('lists namespaces: the team space root, member folders and team folders', async () => {
    const team = teamClient();
    const { result } = await team.teamNamespacesList({ limit: 3 });
    const rest = (await team.teamNamespacesListContinue({ cursor: result.cursor })).result;
    const all = [...result.namespaces, ...rest.namespaces];
    expect(all.map((n) => [n.name, n.namespace_id, n.namespace_type['.tag']])).toEqual([
      ['Acme Corp', '2001', 'team_member_root'],
      ['Alice Archer', '2002', 'team_member_folder'],
      ['Bob Builder', '2003', 'team_member_folder'],
      ['Team Shared', '2004', 'team_folder'],
    ]);
    expect(all[2]!.team_member_id).toBe(memberOf(ctx.emu, 'bob').memberId);
  });

  it('a user token is refused on team routes', async () => {
    const f = await ctx.dbx.teamMembersListV2({}).catch((e: { status: number; error: string }) => e);
    expect((f as { status: number }).status).toBe(400);
    expect(String((f as { error: unknown }).error)).toMatch(/for a single user/);
  });
});
