// sharing/create_shared_link_with_settings, list_shared_links, modify_shared_link_settings,
// revoke_shared_link and get_shared_link_metadata. One link per file or folder and owner, as
// at Dropbox; a basic (personal) account may only make public links without expiry, team
// members may also ask for team_only or password visibility and an expiry.
import { randomBytes } from 'node:crypto';
import { nest, routeError, tag, type Tagged } from '../errors.ts';
import {
  baseUrl,
  findSharedLink,
  isExpired,
  remember,
  sharedLinkUrl,
  type SharedLink,
  type Visibility,
} from '../links.ts';
import { READ_PATH, lookup, relPaths } from '../paths.ts';
import type { Call, RouteDef } from '../state.ts';
import { nowStamp, type Node } from '../tree.ts';
import type { Account } from '../world.ts';
import { asRouteError, bool, opt, t } from './common.ts';

const VISIBILITY = t.union({ public: null, team_only: null, password: null });
const AUDIENCE = t.union({ public: null, team: null, no_one: null, password: null, members: null });
const SETTINGS = t.struct({
  require_password: opt(t.bool),
  link_password: opt(t.str()),
  expires: opt(t.timestamp),
  audience: opt(AUDIENCE),
  access: opt(t.union({ viewer: null, editor: null, max: null, default: null })),
  requested_visibility: opt(VISIBILITY),
  allow_download: opt(t.bool),
});

interface Settings {
  require_password?: boolean;
  link_password?: string;
  expires?: string;
  audience?: { tag: string };
  requested_visibility?: { tag: Visibility };
}

const settingsError = (why: 'invalid_settings' | 'not_authorized') => routeError(nest('settings_error', tag(why)));

/** What settings ask for, checked against what the account may do; undefined fields keep the link's. */
function applySettings(call: Call, s: Settings | undefined, link: Partial<SharedLink>): void {
  if (!s) return;
  const asked = Object.values(s).some((v) => v !== undefined);
  if (!asked) throw settingsError('invalid_settings');
  let visibility: Visibility | undefined = s.requested_visibility?.tag;
  if (!visibility && s.audience) visibility = s.audience.tag === 'team' ? 'team_only' : 'public';
  if (s.require_password === true) visibility = 'password';
  if (s.require_password === false && !visibility) visibility = 'public';
  if (visibility === 'password' && !s.link_password && !link.password) throw settingsError('invalid_settings');
  let expires: number | undefined;
  if (s.expires !== undefined) {
    expires = Date.parse(s.expires);
    if (expires <= call.st.now()) throw settingsError('invalid_settings');
  }
  // Basic accounts: public links without expiry only.
  if (!call.caller.account.team && ((visibility && visibility !== 'public') || expires !== undefined))
    throw settingsError('not_authorized');
  if (visibility) link.visibility = visibility;
  if (s.link_password) link.password = s.link_password;
  if (expires !== undefined) link.expires = expires;
}

function permissions(owner: Account, link: SharedLink, caller: Account): Record<string, unknown> {
  const team = !!owner.team;
  const v = { '.tag': link.visibility };
  const policy = (p: Visibility) => ({
    policy: { '.tag': p },
    resolved_policy: { '.tag': p },
    allowed: team || p === 'public',
    ...(team || p === 'public' ? {} : { disallowed_reason: { '.tag': 'user_account_type' } }),
  });
  const mine = caller.id === owner.id;
  return {
    ...(mine ? { resolved_visibility: v, requested_visibility: v } : {}),
    can_revoke: mine,
    ...(mine ? {} : { revoke_failure_reason: { '.tag': 'owner_only' } }),
    effective_audience: { '.tag': link.visibility === 'team_only' ? 'team' : link.visibility },
    link_access_level: { '.tag': 'viewer' },
    visibility_policies: (['public', 'team_only', 'password'] as const).map(policy),
    can_set_expiry: team,
    can_remove_expiry: team,
    allow_download: true,
    can_allow_download: true,
    can_disallow_download: team,
    allow_comments: true,
    team_restricts_comments: false,
    can_set_password: team,
    can_remove_password: team,
    require_password: link.visibility === 'password',
    can_use_extended_sharing_controls: team,
  };
}

/** SharedLinkMetadata (tagged file/folder) as `caller` sees it; paths only for the owner. */
function linkMeta(call: Call, link: SharedLink, node: Node, base = baseUrl(call.req)): Record<string, unknown> {
  const { st, caller } = call;
  const owner = st.world.findAccount(link.ownerId)!;
  const paths = caller.account.id === owner.id ? relPaths(caller, node) : undefined;
  return {
    '.tag': node.kind,
    // A link into a folder link (get_shared_link_metadata's path) keeps the folder's URL.
    url: sharedLinkUrl(base, link, st.tree.byId.get(link.nodeId) ?? node),
    id: node.id,
    name: node.name,
    ...(link.expires !== undefined ? { expires: nowStamp(link.expires) } : {}),
    ...(paths ? { path_lower: paths.lower } : {}),
    link_permissions: permissions(owner, link, caller.account),
    ...(owner.team
      ? {
          team_member_info: {
            team_info: { id: owner.team.id, name: owner.team.name },
            display_name: owner.name,
            ...(caller.account.team === owner.team ? { member_id: owner.memberId } : {}),
          },
        }
      : {}),
    ...(node.kind === 'file'
      ? {
          client_modified: node.clientModified,
          server_modified: node.serverModified,
          rev: node.rev,
          size: node.blob.size,
        }
      : {}),
  };
}

/** The caller's live links (expired ones and links to removed content are gone). */
function ownLinks(call: Call): Array<{ link: SharedLink; node: Node }> {
  const out: Array<{ link: SharedLink; node: Node }> = [];
  for (const link of call.st.sharedLinks.values()) {
    if (link.ownerId !== call.caller.account.id || isExpired(call.st, link)) continue;
    const node = call.st.tree.byId.get(link.nodeId);
    if (node && relPaths(call.caller, node)) out.push({ link, node });
  }
  return out;
}

/** A link named by URL that the caller owns, or the route's shared_link_not_found. */
function ownedLink(call: Call, malformed: Tagged = tag('shared_link_not_found')): { link: SharedLink; node: Node } {
  const found = findSharedLink(call.st, call.arg.url);
  if (found === 'malformed') throw routeError(malformed);
  const hit = found && ownLinks(call).find((l) => l.link === found);
  if (!hit) throw routeError(tag('shared_link_not_found'));
  return hit;
}

/** Dropbox does not document its page size; a test lowers this one through faults.set. */
const SHARED_LINKS_PAGE = 200;

/**
 * One page of the caller's links among `tokens` (links revoked or expired since the listing
 * began are skipped), and a cursor for the rest while any remain.
 */
function linkPage(call: Call, tokens: string[]): Record<string, unknown> {
  const size = call.st.faults.settings.sharedLinksPageSize ?? SHARED_LINKS_PAGE;
  const live = new Map(ownLinks(call).map((l) => [l.link.token, l]));
  const out: Array<{ link: SharedLink; node: Node }> = [];
  let i = 0;
  for (; i < tokens.length && out.length < size; i++) {
    const l = live.get(tokens[i]!);
    if (l) out.push(l);
  }
  const rest = tokens.slice(i);
  const links = out.map((l) => linkMeta(call, l.link, l.node));
  if (!rest.length) return { links, has_more: false };
  const cursor = randomBytes(18).toString('base64url');
  remember(call.st.sharedLinkCursors, cursor, { owner: call.caller.account.id, tokens: rest });
  return { links, has_more: true, cursor };
}

export const sharedLinkRoutes: RouteDef[] = [
  {
    name: 'sharing/create_shared_link_with_settings',
    style: 'rpc',
    auth: 'user',
    scope: 'sharing.write',
    arg: t.struct({ path: t.str({ pattern: READ_PATH }), settings: opt(SETTINGS) }),
    async handle(call) {
      const { st, caller, arg } = call;
      const node = asRouteError('path', () => lookup(caller, arg.path));
      const fresh: Partial<SharedLink> = { visibility: 'public' };
      applySettings(call, arg.settings, fresh);
      const existing = ownLinks(call).find((l) => l.node === node);
      if (existing) {
        // Dropbox returns the existing link only when it already has what was asked for.
        const same =
          !arg.settings || (fresh.visibility === existing.link.visibility && fresh.expires === existing.link.expires);
        throw routeError(
          nest(
            'shared_link_already_exists',
            same ? { '.tag': 'metadata', metadata: linkMeta(call, existing.link, node) } : null,
          ),
        );
      }
      const link: SharedLink = {
        token: randomBytes(16).toString('base64url'),
        rlkey: randomBytes(18).toString('base64url').toLowerCase().replace(/[-_]/g, 'x'),
        ownerId: caller.account.id,
        nodeId: node.id,
        visibility: fresh.visibility!,
        password: fresh.password,
        expires: fresh.expires,
      };
      remember(st.sharedLinks, link.token, link);
      return linkMeta(call, link, node);
    },
  },
  {
    name: 'sharing/list_shared_links',
    style: 'rpc',
    auth: 'user',
    scope: 'sharing.read',
    arg: t.struct({ path: opt(t.str({ pattern: READ_PATH })), cursor: opt(t.str()), direct_only: opt(t.bool) }),
    async handle(call) {
      const { caller, arg, st } = call;
      if (arg.cursor !== undefined) {
        const c = st.sharedLinkCursors.get(arg.cursor);
        if (!c || c.owner !== caller.account.id) throw routeError(tag('reset'));
        st.sharedLinkCursors.delete(arg.cursor);
        return linkPage(call, c.tokens);
      }
      let links = ownLinks(call);
      if (arg.path !== undefined) {
        const node = asRouteError('path', () => lookup(caller, arg.path));
        // Links to the path itself, and (unless direct_only) to folders above it.
        links = links.filter((l) =>
          arg.direct_only
            ? l.node === node
            : l.node.kind === 'folder'
              ? st.tree.isUnder(node, l.node)
              : l.node === node,
        );
        // All at once: "Cursor is returned only if no path is given" (sharing.stone).
        return { links: links.map((l) => linkMeta(call, l.link, l.node)), has_more: false };
      }
      const tokens = links.map((l) => l.link.token);
      return linkPage(call, tokens);
    },
  },
  {
    name: 'sharing/modify_shared_link_settings',
    style: 'rpc',
    auth: 'user',
    scope: 'sharing.write',
    arg: t.struct({ url: t.str(), settings: SETTINGS, remove_expiration: bool(false) }),
    async handle(call) {
      const { link, node } = ownedLink(call);
      const next: Partial<SharedLink> = { ...link };
      applySettings(call, call.arg.settings, next);
      if (call.arg.remove_expiration) {
        if (!call.caller.account.team) throw settingsError('not_authorized');
        delete next.expires;
      }
      Object.assign(link, next);
      if (next.expires === undefined) delete link.expires;
      return linkMeta(call, link, node);
    },
  },
  {
    name: 'sharing/revoke_shared_link',
    style: 'rpc',
    auth: 'user',
    scope: 'sharing.write',
    arg: t.struct({ url: t.str() }),
    async handle(call) {
      const { link } = ownedLink(call, tag('shared_link_malformed'));
      call.st.sharedLinks.delete(link.token);
      return null;
    },
  },
  {
    name: 'sharing/get_shared_link_metadata',
    style: 'rpc',
    auth: 'user',
    scope: 'sharing.read',
    arg: t.struct({ url: t.str(), path: opt(t.str({ pattern: '/(.|[\\r\\n])*' })), link_password: opt(t.str()) }),
    async handle(call) {
      const { st, arg, caller } = call;
      const link = findSharedLink(st, arg.url);
      let node = link && link !== 'malformed' ? st.tree.byId.get(link.nodeId) : undefined;
      if (!link || link === 'malformed' || !node || isExpired(st, link)) throw routeError(tag('shared_link_not_found'));
      const owner = st.world.findAccount(link.ownerId)!;
      const isOwner = owner.id === caller.account.id;
      if (!isOwner) {
        if (link.visibility === 'team_only' && caller.account.team !== owner.team)
          throw routeError(tag('shared_link_access_denied'));
        if (link.visibility === 'password' && arg.link_password !== link.password)
          throw routeError(tag('shared_link_access_denied'));
      }
      if (arg.path !== undefined) {
        if (node.kind !== 'folder') throw routeError(tag('shared_link_not_found'));
        const scope = { tree: st.tree, root: node, accessible: new Set<string>() };
        try {
          node = lookup(scope, arg.path);
        } catch {
          throw routeError(tag('shared_link_not_found'));
        }
      }
      return linkMeta(call, link, node);
    },
  },
];
