// GET /api/connections/:name/choices/:choices against the Dropbox emulator: a Business
// connection linked by the team's admin gets the team's members and namespaces to choose
// business.selectUser / pathRoot from, first ones with the total, filtered by q; a team
// bigger than one page of team/members/list_v2 is read over its continue route; a user's
// link or an unauthorised connection gets an error that says why there is no list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { startEmulator, type Emulator } from '../../plugins/dropbox/emulator/index.ts';
import { loadSeed } from '../../plugins/dropbox/emulator/seed.ts';
import { createAuthorizer } from '../../plugins/dropbox/auth/authorizer.ts';
import { FlowStore } from '../../plugins/dropbox/auth/flow-state.ts';
import { submitConsent } from '../../plugins/dropbox/auth/sandbox-consent.ts';
import { fixture, signIn, errorOf, type Fixture } from './helpers.ts';

/** More members than one page of team/members/list_v2 (1000) holds. */
const EXTRA = 1100;
const TEAM_SCOPES =
  '[account_info.read, files.metadata.read, files.metadata.write, files.content.read, files.content.write, team_data.member, members.read]';

function bigTeamSeed() {
  const seed = loadSeed();
  const team = seed.teams![0]!;
  for (let i = 0; i < EXTRA; i++) {
    const n = String(i).padStart(4, '0');
    team.members.push({
      id: `dbmid:AAExtraMember${n}`,
      accountId: `dbid:AAExtraMemberAccount${n}`.padEnd(40, 'x'),
      name: `Member ${n}`,
      email: `member${n}@acme.example`,
      namespaceId: String(5000 + i),
    });
  }
  return seed;
}

describe('choices for connection fields through the admin API', () => {
  let emu: Emulator;
  let f: Fixture;
  let headers: Record<string, string>;
  const get = (url: string, h = headers) => f.app.inject({ method: 'GET', url, headers: h });

  beforeAll(async () => {
    emu = await startEmulator({ port: 0, host: '127.0.0.1', seed: bigTeamSeed() });
    const conn = (name: string, scopes = '') =>
      `name: ${name}\ntype: dropbox\naccount: business\n${scopes ? `scopes: ${scopes}\n` : ''}endpoints:\n  api: ${emu.url}\n`;
    f = await fixture({
      'config.yaml':
        'admin:\n  port: 0\nstate: ./state\nconnections: ./connections\njobs: ./jobs\nlogLevel: silent\ndropbox:\n  appKey: dropcron-sandbox\n',
      'connections/team.yaml': conn('team', TEAM_SCOPES),
      'connections/fresh.yaml': conn('fresh', TEAM_SCOPES),
      'connections/user.yaml': conn('user'),
    });
    ({ headers } = await signIn(f.app));
    // Signed in through the consent page as the team admin (team) and as a member (user).
    for (const [name, who] of [
      ['team', 'Alice'],
      ['user', 'Bob'],
    ] as const) {
      const def = f.ctx.loaded().connections.find((c) => c.name === name)!;
      const auth = createAuthorizer(new FlowStore());
      const { url, state } = await auth.begin(def, f.ctx.services, { mode: 'paste' });
      const q = await submitConsent(url, new Agent(), {
        decision: 'allow',
        choose: (_n, opts) => opts.find((o) => o[1].includes(who))?.[0],
      });
      await auth.complete(def, f.ctx.services, { state, code: q.get('code')! });
    }
  });
  afterAll(async () => {
    await f?.close();
    await emu?.close();
  });

  const calls = (route: string) => emu.requests.filter((r) => r.route === route).length;

  it("lists the team's members, the first 50 of all of them, reading every page", async () => {
    const before = calls('team/members/list/continue_v2');
    const res = await get('/api/connections/team/choices/members');
    expect(res.statusCode, res.body).toBe(200);
    const body = res.json();
    expect(body.total).toBe(EXTRA + 2);
    expect(body.items).toHaveLength(50);
    expect(body.items[0]).toEqual({
      value: 'dbmid:AAC6aI_0e7tpy4wJ5s2pX3TL2yD4t6o_fS',
      title: 'Alice Archer',
      detail: 'alice@acme.example · Team admin',
    });
    expect(calls('team/members/list/continue_v2') - before).toBe(1);
  });

  it('filters with q, across pages', async () => {
    const res = await get('/api/connections/team/choices/members?q=member1099');
    expect(res.json()).toEqual({
      choices: 'members',
      query: 'member1099',
      items: [{ value: 'dbmid:AAExtraMember1099', title: 'Member 1099', detail: 'member1099@acme.example' }],
      total: 1,
    });
    const admins = (await get('/api/connections/team/choices/admins')).json();
    expect(admins.items.map((c: { title: string }) => c.title)).toEqual(['Alice Archer']);
  });

  it('lists namespaces with the team and home roots for pathRoot', async () => {
    const body = (await get('/api/connections/team/choices/namespaces?q=team')).json();
    expect(body.items.map((c: { value: string }) => c.value)).toEqual(['team', 'ns:2004']);
    const all = (await get('/api/connections/team/choices/namespaces')).json();
    expect(all.total).toBe(2 + 4 + EXTRA);
    expect(all.items.slice(0, 3).map((c: { value: string }) => c.value)).toEqual(['team', 'home', 'ns:2001']);
  });

  it('says why there is no list: not authorised, a single user, an unknown name', async () => {
    const fresh = await get('/api/connections/fresh/choices/members');
    expect(fresh.statusCode).toBe(409);
    expect(errorOf(fresh)).toBe(
      "connection 'fresh' is not authorised; run: dropcron auth fresh (or sign in from the admin UI)",
    );
    const user = await get('/api/connections/user/choices/members');
    expect(user.statusCode).toBe(400);
    expect(errorOf(user)).toMatch(
      /^connection 'user' is linked to one Dropbox user \(Bob Builder .*\), not to a team, .*sign in again as a team admin$/,
    );
    const unknown = await get('/api/connections/team/choices/groups');
    expect(unknown.statusCode).toBe(404);
    expect(errorOf(unknown)).toBe(
      "connections of type 'dropbox' have no choices named 'groups' (offered: namespaces, members, admins)",
    );
  });

  it('needs a session, and is described in the OpenAPI document', async () => {
    expect((await get('/api/connections/team/choices/members', {})).statusCode).toBe(401);
    const doc = (await get('/api/openapi.json')).json();
    const op = doc.paths['/api/connections/{name}/choices/{choices}'].get;
    expect(op.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).toEqual([
      'path:name',
      'path:choices',
      'query:q',
    ]);
    expect(op.security).toEqual([{ session: [] }]);
  });
});
