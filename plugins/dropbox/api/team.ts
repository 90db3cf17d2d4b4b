// A team-admin link's lists: the team's members (team/members/list_v2) and namespaces
// (team/namespaces/list), what Select-User, Select-Admin and Path-Root ids are chosen
// from. Team routes take none of those headers, so this is a transport of its own
// (DROPBOX-API.md §5: "keep a separate client for team/*"), not the files client.
// A team may have 50,000 members: pages are read one at a time and only the first
// `max` matches are kept, with the count of all matches.
import type { Dispatcher } from 'undici';
import type { Logger } from '../../../src/plugin.ts';
import { Transport, type TransportObserver } from './http.ts';
import type { CallOptions, TokenSource } from './types.ts';

export interface TeamMember {
  /** The dbmid:… id for business.selectUser / selectAdmin. */
  id: string;
  name: string;
  email: string;
  /** e.g. active, invited, suspended. */
  status: string;
  /** Admin roles (empty for a plain member); only an admin can be Select-Admin. */
  roles: string[];
}

export interface TeamNamespace {
  /** The namespace id, for business.pathRoot as ns:<id>. */
  id: string;
  name: string;
  /** team_member_root (the team space), team_member_folder, team_folder, shared_folder, app_folder. */
  type: string;
  /** The member whose folder it is (team_member_folder). */
  memberId?: string;
}

/** The first `items` of a list cut to `max`, and how many matched in all. */
export interface Bounded<T> {
  items: T[];
  total: number;
}

export interface TeamListOptions extends CallOptions {
  /** Kept when it occurs, case-insensitively, in the id or name (or a member's email). */
  query?: string;
  /** Most items returned (default 20); the rest are only counted. */
  max?: number;
  /** Entries asked for per page (1-1000, default 1000); small in tests to walk the cursors. */
  pageSize?: number;
}

export interface TeamListsOptions {
  dispatcher: Dispatcher;
  token: TokenSource;
  api: string;
  log?: Logger;
  observer?: TransportObserver;
}

export interface TeamLists {
  /** `admins`: only members with an admin role (who alone may be Select-Admin). */
  members(opts?: TeamListOptions & { admins?: boolean }): Promise<Bounded<TeamMember>>;
  namespaces(opts?: TeamListOptions): Promise<Bounded<TeamNamespace>>;
}

export const DEFAULT_MAX = 20;

interface MemberInfo {
  profile: {
    team_member_id: string;
    email: string;
    status: { '.tag': string };
    name: { display_name: string };
  };
  roles?: Array<{ name: string }>;
}

interface NamespaceInfo {
  namespace_id: string;
  name: string;
  namespace_type: { '.tag': string };
  team_member_id?: string;
}

export function createTeamLists(o: TeamListsOptions): TeamLists {
  const t = new Transport({
    dispatcher: o.dispatcher,
    token: o.token,
    api: o.api,
    content: o.api,
    log: o.log,
    observer: o.observer,
  });
  return {
    members: (opts = {}) =>
      bounded<MemberInfo, TeamMember>(
        t,
        { list: 'team/members/list_v2', next: 'team/members/list/continue_v2', key: 'members' },
        { include_removed: false },
        (m) => ({
          id: m.profile.team_member_id,
          name: m.profile.name.display_name,
          email: m.profile.email,
          status: m.profile.status['.tag'],
          roles: (m.roles ?? []).map((r) => r.name),
        }),
        (m) => (!opts.admins || m.roles.length > 0) && matches(opts.query, [m.id, m.name, m.email]),
        opts,
      ),
    namespaces: (opts = {}) =>
      bounded<NamespaceInfo, TeamNamespace>(
        t,
        { list: 'team/namespaces/list', next: 'team/namespaces/list/continue', key: 'namespaces' },
        {},
        (n) => ({
          id: n.namespace_id,
          name: n.name,
          type: n.namespace_type['.tag'],
          ...(n.team_member_id ? { memberId: n.team_member_id } : {}),
        }),
        (n) => matches(opts.query, [n.id, n.name]),
        opts,
      ),
  };
}

/** Whether `query` (trimmed, any case) occurs in one of `words`; an empty query matches all. */
export function matches(query: string | undefined, words: string[]): boolean {
  const q = query?.trim().toLowerCase() ?? '';
  return !q || words.some((w) => w.toLowerCase().includes(q));
}

/** Reads every page of a team list, keeping the first `max` items `keep` accepts and counting the rest. */
async function bounded<Raw, Item>(
  t: Transport,
  routes: { list: string; next: string; key: string },
  arg: Record<string, unknown>,
  shape: (raw: Raw) => Item,
  keep: (item: Item) => boolean,
  opts: TeamListOptions,
): Promise<Bounded<Item>> {
  const max = Math.max(0, opts.max ?? DEFAULT_MAX);
  const limit = Math.max(1, Math.min(1000, Math.floor(opts.pageSize ?? 1000)));
  const out: Bounded<Item> = { items: [], total: 0 };
  let route = routes.list;
  let body: Record<string, unknown> = { ...arg, limit };
  for (;;) {
    const page = (
      await t.send<Record<string, unknown> & { cursor: string; has_more: boolean }>({
        route,
        style: 'rpc',
        arg: body,
        idempotency: 'safe',
        signal: opts.signal,
      })
    ).result;
    for (const raw of (page[routes.key] ?? []) as Raw[]) {
      const item = shape(raw);
      if (!keep(item)) continue;
      out.total++;
      if (out.items.length < max) out.items.push(item);
    }
    if (!page.has_more) return out;
    route = routes.next;
    body = { cursor: page.cursor };
  }
}
