// The dropbox connection type's `choices` (src/plugin.ts) for the fields marked
// `x-choices` in connection.schema.json: the team's members (business.selectUser), its
// admins (selectAdmin) and its namespaces with `team` and `home` (pathRoot). Only a
// team-admin link (a grant with a team_id) can read them; `connections test` prints the
// same lists (auth/connection-ops.ts).
import type { ChoiceList, Choice, ConnectionDefinition, Services } from '../../src/plugin.ts';
import { createTeamLists, matches, type TeamLists, type TeamMember, type TeamNamespace } from './api/team.ts';
import { resolveEndpoints } from './auth/app.ts';
import { callObserver } from './auth/call-observer.ts';
import { grantState } from './auth/grant.ts';
import { tokenSourceFor } from './auth/token-provider.ts';
import { pluginError } from './error-codes.ts';

/** Most choices the admin form gets at once: enough to pick from, few enough to read; typing filters. */
export const CHOICES_MAX = 50;

/** How a user-linked connection becomes a team-admin link. */
export const TEAM_LINK_HINT =
  "add team_data.member and members.read to the connection's scopes and sign in again as a team admin";

/**
 * The team lists of a team-admin link, after signing in (a sandbox connection signs in by
 * itself; any other unauthorised one fails with what to run). A grant of one user gets an
 * error saying how to link the team instead.
 */
export async function teamListsFor(def: ConnectionDefinition, services: Services): Promise<TeamLists> {
  const token = tokenSourceFor(def, services);
  await token.token();
  const st = await grantState(services, def.name);
  if (!st.teamId)
    throw pluginError(
      'DBX_SETUP',
      `connection '${def.name}' is linked to one Dropbox user${st.label ? ` (${st.label})` : ''}, not to a team, so it cannot list the team's members and namespaces: ${TEAM_LINK_HINT}`,
    );
  return createTeamLists({
    dispatcher: services.dispatcherFor(def),
    token,
    api: resolveEndpoints(def, services).api,
    log: services.log.child({ connection: def.name }),
    observer: callObserver(def, services),
  });
}

export function memberChoice(m: TeamMember): Choice {
  const notes = [m.email, ...m.roles.map((r) => `${r} admin`), ...(m.status === 'active' ? [] : [m.status])];
  return { value: m.id, title: m.name, detail: notes.join(' · ') };
}

const NAMESPACE_TYPES: Record<string, string> = {
  team_member_root: 'team space',
  team_member_folder: 'member folder',
  team_folder: 'team folder',
  shared_folder: 'shared folder',
  app_folder: 'app folder',
};

export function namespaceChoice(n: TeamNamespace): Choice {
  return { value: `ns:${n.id}`, title: n.name, detail: NAMESPACE_TYPES[n.type] ?? n.type.replaceAll('_', ' ') };
}

/** The two roots every business connection may name without an id. */
const ROOTS: Choice[] = [
  { value: 'team', title: 'Team space', detail: "the team's shared root (default)" },
  { value: 'home', title: "Member's home", detail: "the member's own folder" },
];

export async function connectionChoices(
  def: ConnectionDefinition,
  name: string,
  services: Services,
  opts: { query?: string },
): Promise<ChoiceList> {
  const lists = await teamListsFor(def, services);
  const query = opts.query;
  if (name === 'members' || name === 'admins') {
    const r = await lists.members({ query, max: CHOICES_MAX, admins: name === 'admins' });
    return { items: r.items.map(memberChoice), total: r.total };
  }
  if (name === 'namespaces') {
    const roots = ROOTS.filter((c) => matches(query, [c.value, c.title, c.detail!]));
    const r = await lists.namespaces({ query, max: CHOICES_MAX - roots.length });
    return { items: [...roots, ...r.items.map(namespaceChoice)], total: roots.length + r.total };
  }
  throw new Error(`the dropbox connection type has no choices named '${name}'`);
}

/** Members and namespaces `connections test` prints, each list cut to this many. */
export const REPORT_MAX = 20;

/**
 * The team's members and namespaces as `connections test` lines, with the ids to paste
 * into the connection file; each list cut to REPORT_MAX with the total.
 */
export async function teamReport(
  lists: TeamLists,
): Promise<{ lines: Array<[string, string]>; details: Record<string, unknown> }> {
  const [members, namespaces] = await Promise.all([
    lists.members({ max: REPORT_MAX }),
    lists.namespaces({ max: REPORT_MAX }),
  ]);
  const count = (n: number, total: number) =>
    n < total ? `first ${n} of ${total} (the admin form's list filters by name)` : `${total}`;
  const line = (label: string, c: Choice): [string, string] => [label, `${c.value}  ${c.title} · ${c.detail}`];
  return {
    lines: [
      [
        'team members',
        `${count(members.items.length, members.total)}; set business.selectUser to a member's id (or selectAdmin to an admin's)`,
      ],
      ...members.items.map((m) => line('member', memberChoice(m))),
      [
        'team namespaces',
        `${count(namespaces.items.length, namespaces.total)}; set business.pathRoot to team, home or a namespace's ns:<id>`,
      ],
      ...namespaces.items.map((n) => line('namespace', namespaceChoice(n))),
    ],
    details: { members, namespaces },
  };
}
