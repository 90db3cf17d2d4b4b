// A team-admin link's members and namespaces: the connector's lists (paged over the
// continue routes, cut to a maximum with the total, filtered), the dropbox type's
// `choices` for the admin form, and `connections test` printing the ids to paste.
// Real emulator, real HTTP, signed in through the consent page as the team's admin.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli.ts';
import { testConnection } from '../../plugins/dropbox/auth/connection-ops.ts';
import { connectionChoices, teamListsFor } from '../../plugins/dropbox/connection-choices.ts';
import { DEFAULT_SCOPES } from '../../plugins/dropbox/connection.ts';
import { startWorld, writeCliConfig, type World } from './harness.ts';
import { Capture } from './helpers.ts';

const TEAM_SCOPES = [...DEFAULT_SCOPES, 'team_data.member', 'members.read'];
const ALICE = 'dbmid:AAC6aI_0e7tpy4wJ5s2pX3TL2yD4t6o_fS';
const BOB = 'dbmid:AACzvbBdjpV7FTuDC_w5voGQ4XxeUMHsDN';

let w: World;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  await w.close();
});

/** A business connection linked by Alice, the team's admin, with the team scopes. */
async function teamLink(business?: Record<string, string>) {
  const def = w.def({ account: 'business', scopes: TEAM_SCOPES, ...(business ? { business } : {}) });
  await w.signIn(def, 'Alice');
  return def;
}

/** `dropcron connections test work`, in this process: the sandbox answers from here. */
async function connectionsTest(cfg: string) {
  const [out, err] = [new Capture(), new Capture()];
  const code = await main(['--config', cfg, 'connections', 'test', 'work'], {
    stdout: out,
    stderr: err,
    stdin: new PassThrough(),
  });
  return { code, out: out.text, err: err.text };
}

const calls = (route: string) => w.emu.requests.filter((r) => r.route === route).length;

describe('team lists of a team-admin link', () => {
  it('walks every page of members and namespaces, one page held at a time', async () => {
    const lists = await teamListsFor(await teamLink(), w.services);
    const members = await lists.members({ pageSize: 1 });
    expect(members.total).toBe(2);
    expect(members.items.map((m) => [m.id, m.name, m.email, m.roles])).toEqual([
      [ALICE, 'Alice Archer', 'alice@acme.example', ['Team']],
      [BOB, 'Bob Builder', 'bob@acme.example', []],
    ]);
    expect(calls('team/members/list_v2')).toBe(1);
    expect(calls('team/members/list/continue_v2')).toBe(1);
    const namespaces = await lists.namespaces({ pageSize: 1 });
    expect(namespaces.items.map((n) => [n.id, n.type])).toEqual([
      ['2001', 'team_member_root'],
      ['2002', 'team_member_folder'],
      ['2003', 'team_member_folder'],
      ['2004', 'team_folder'],
    ]);
    expect(calls('team/namespaces/list/continue')).toBe(3);
  });

  it('keeps only the first `max` matches but counts them all, and filters by query', async () => {
    const lists = await teamListsFor(await teamLink(), w.services);
    const cut = await lists.namespaces({ max: 1, pageSize: 2 });
    expect(cut).toEqual({ items: [{ id: '2001', name: 'Acme Corp', type: 'team_member_root' }], total: 4 });
    expect((await lists.members({ query: ' BOB@acme ' })).items.map((m) => m.id)).toEqual([BOB]);
    expect((await lists.members({ admins: true })).items.map((m) => m.id)).toEqual([ALICE]);
    expect(await lists.members({ query: 'nobody' })).toEqual({ items: [], total: 0 });
  });

  it('offers members, admins and namespaces (with team and home) as choices', async () => {
    const def = await teamLink();
    const members = await connectionChoices(def, 'members', w.services, {});
    expect(members).toEqual({
      items: [
        { value: ALICE, title: 'Alice Archer', detail: 'alice@acme.example · Team admin' },
        { value: BOB, title: 'Bob Builder', detail: 'bob@acme.example' },
      ],
      total: 2,
    });
    expect((await connectionChoices(def, 'admins', w.services, {})).items.map((c) => c.value)).toEqual([ALICE]);
    const ns = await connectionChoices(def, 'namespaces', w.services, {});
    expect(ns.items.map((c) => c.value)).toEqual(['team', 'home', 'ns:2001', 'ns:2002', 'ns:2003', 'ns:2004']);
    expect(ns.total).toBe(6);
    const shared = await connectionChoices(def, 'namespaces', w.services, { query: 'shared' });
    expect(shared).toEqual({
      items: [
        { value: 'team', title: 'Team space', detail: "the team's shared root (default)" },
        { value: 'ns:2004', title: 'Team Shared', detail: 'team folder' },
      ],
      total: 2,
    });
  });

  it("a user's link and an unauthorised connection say why there is no list", async () => {
    const never = w.def({ account: 'business', scopes: TEAM_SCOPES });
    await expect(connectionChoices(never, 'members', w.services, {})).rejects.toThrow(
      "connection 'work' is not authorised; run: dropcron auth work",
    );
    const user = w.def({ account: 'business' });
    await w.signIn(user, 'Bob');
    const err = await connectionChoices(user, 'members', w.services, {}).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DBX_SETUP' });
    expect((err as Error).message).toBe(
      "connection 'work' is linked to one Dropbox user (Bob Builder <bob@acme.example> (team Acme Corp)), not to a team, so it cannot list the team's members and namespaces: add team_data.member and members.read to the connection's scopes and sign in again as a team admin",
    );
    expect(calls('team/members/list_v2')).toBe(0);
  });
});

describe('connections test on business connections', () => {
  it('a team link without a member chosen lists the ids to choose from and fails', async () => {
    const r = await testConnection(await teamLink(), w.services);
    expect(r.ok).toBe(false);
    expect(r.lines.filter(([l]) => l === 'member').map(([, v]) => v)).toEqual([
      `${ALICE}  Alice Archer · alice@acme.example · Team admin`,
      `${BOB}  Bob Builder · bob@acme.example`,
    ]);
    expect(r.lines.filter(([l]) => l === 'namespace').map(([, v]) => v)).toContain(
      'ns:2004  Team Shared · team folder',
    );
    const lines = Object.fromEntries(r.lines);
    expect(lines['team members']).toBe("2; set business.selectUser to a member's id (or selectAdmin to an admin's)");
    expect(lines.next).toMatch(/set business\.selectUser or selectAdmin to an id above/);
  });

  it('a team link acting as a member passes and still lists the team; a user link says how to list it', async () => {
    const r = await testConnection(await teamLink({ selectUser: BOB }), w.services);
    expect(r.ok).toBe(true);
    const lines = Object.fromEntries(r.lines);
    expect(lines.account).toBe('Bob Builder <bob@acme.example> (team Acme Corp)');
    expect(lines['team namespaces']).toBe("4; set business.pathRoot to team, home or a namespace's ns:<id>");
    expect(r.details.team).toMatchObject({ members: { total: 2 }, namespaces: { total: 4 } });

    const user = w.def({ account: 'business' });
    await w.signIn(user, 'Bob');
    const u = Object.fromEntries((await testConnection(user, w.services)).lines);
    expect(u['team lists']).toMatch(/^this link is one user's: .*sign in again as a team admin$/);
  });

  it('dropcron connections test prints the members with their ids', async () => {
    const cfg = await writeCliConfig(w, { name: 'work', account: 'business', scopes: TEAM_SCOPES });
    await teamLink();
    const r = await connectionsTest(cfg);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(new RegExp(`^member: +${ALICE} {2}Alice Archer · alice@acme\\.example · Team admin$`, 'm'));
    expect(r.out).toMatch(/^namespace: +ns:2001 {2}Acme Corp · team space$/m);
    expect(r.err).toBe("dropcron: connection 'work' failed its test\n");
  });
});
