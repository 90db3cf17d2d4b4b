// team/members/list_v2 (+ continue_v2) and team/namespaces/list (+ continue): what a
// team-admin link needs to offer Select-User and Path-Root choices instead of typed ids.
import { randomBytes } from 'node:crypto';
import { routeError, tag } from '../errors.ts';
import type { Call, RouteDef } from '../state.ts';
import type { Team } from '../world.ts';
import { bool, t } from './common.ts';
import { names } from './users.ts';

function teamOf(call: Call): Team {
  return call.caller.grant.team!;
}

function members(team: Team): unknown[] {
  return team.members.map((m) => ({
    profile: {
      team_member_id: m.memberId,
      account_id: m.id,
      email: m.email,
      email_verified: true,
      status: { '.tag': 'active' },
      name: names(m.name),
      membership_type: { '.tag': 'full' },
      groups: [],
      member_folder_id: m.home.nsId,
      root_folder_id: team.root.nsId,
    },
    roles: m.admin
      ? [{ role_id: 'pid_dbtmr:team_admin', name: 'Team', description: 'Full admin access to the team.' }]
      : [],
  }));
}

function namespaces(team: Team): unknown[] {
  return [
    { name: team.name, namespace_id: team.root.nsId, namespace_type: { '.tag': 'team_member_root' } },
    ...team.members.map((m) => ({
      name: m.name,
      namespace_id: m.home.nsId,
      namespace_type: { '.tag': 'team_member_folder' },
      team_member_id: m.memberId,
    })),
    ...team.teamFolders.map((f) => ({
      name: f.name,
      namespace_id: f.nsId,
      namespace_type: { '.tag': 'team_folder' },
    })),
  ];
}

/** One page of `items` and a cursor for the rest (the cursor is good for as long as the emulator runs). */
function page(call: Call, key: string, items: unknown[], limit: number): Record<string, unknown> {
  const rest = items.slice(limit);
  const cursor = randomBytes(18).toString('base64url');
  call.st.teamCursors.set(cursor, { teamId: teamOf(call).id, route: call.route.name, items: rest, limit });
  return { [key]: items.slice(0, limit), cursor, has_more: rest.length > 0 };
}

function continued(call: Call, key: string, listRoute: string): Record<string, unknown> {
  const c = call.st.teamCursors.get(call.arg.cursor);
  if (!c || c.teamId !== teamOf(call).id || c.route !== listRoute) throw routeError(tag('invalid_cursor'));
  call.st.teamCursors.delete(call.arg.cursor);
  return page({ ...call, route: { ...call.route, name: listRoute } }, key, c.items, c.limit);
}

const LIMIT = { ty: t.uint({ min: 1, max: 1000 }), default: 1000 };
const CURSOR = t.struct({ cursor: t.str() });

export const teamRoutes: RouteDef[] = [
  {
    name: 'team/members/list_v2',
    style: 'rpc',
    auth: 'team',
    scope: 'members.read',
    arg: t.struct({ limit: LIMIT, include_removed: bool(false) }),
    async handle(call) {
      return page(call, 'members', members(teamOf(call)), call.arg.limit);
    },
  },
  {
    name: 'team/members/list/continue_v2',
    style: 'rpc',
    auth: 'team',
    scope: 'members.read',
    arg: CURSOR,
    async handle(call) {
      return continued(call, 'members', 'team/members/list_v2');
    },
  },
  {
    name: 'team/namespaces/list',
    style: 'rpc',
    auth: 'team',
    scope: 'team_data.member',
    arg: t.struct({ limit: LIMIT }),
    async handle(call) {
      return page(call, 'namespaces', namespaces(teamOf(call)), call.arg.limit);
    },
  },
  {
    name: 'team/namespaces/list/continue',
    style: 'rpc',
    auth: 'team',
    scope: 'team_data.member',
    arg: CURSOR,
    async handle(call) {
      return continued(call, 'namespaces', 'team/namespaces/list');
    },
  },
];
