// Who is calling and what "/" means for the call: the Bearer token, the team headers
// (Dropbox-API-Select-User / -Select-Admin) and Dropbox-API-Path-Root.
import type { IncomingHttpHeaders } from 'node:http';
import { ArgError, t } from './args.ts';
import { ApiError, authError, badRequest, tag } from './errors.ts';
import type { Caller, RouteDef, State } from './state.ts';
import type { Account } from './world.ts';

const NAMESPACE_ID = t.str({ pattern: '[-_0-9a-zA-Z:]+' });
const PATH_ROOT = t.union({ home: null, root: NAMESPACE_ID, namespace_id: NAMESPACE_ID });

/** The access token of a request, or a 400 as Dropbox gives for a missing/odd header. */
export function bearer(route: string, headers: IncomingHttpHeaders): string {
  const h = headers.authorization;
  if (!h) throw badRequest(route, 'Must provide HTTP header "Authorization" or URL parameter "authorization".');
  const m = /^Bearer +(\S+)\s*$/i.exec(h);
  if (!m)
    throw badRequest(
      route,
      'Invalid authorization value in HTTP header "Authorization". Expecting "Bearer <oauth2-access-token>".',
    );
  return m[1]!;
}

export function resolveCaller(st: State, route: RouteDef, headers: IncomingHttpHeaders, forceExpired = false): Caller {
  const token = st.tokens.findAccess(bearer(route.name, headers));
  if (!token || token.grant.revoked) throw authError(tag('invalid_access_token'));
  if (forceExpired || (token.expiresAt !== null && token.expiresAt <= Date.now()))
    throw authError(tag('expired_access_token'));
  const grant = token.grant;
  const need = (scope: string) => {
    if (!token.scopes.includes(scope)) throw authError(tag('missing_scope', { required_scope: scope }));
  };
  if (route.auth === 'team' && !grant.team)
    throw badRequest(
      route.name,
      'This API function operates on a Dropbox Business team, but the OAuth 2 access token you provided is for a single user. Link the app as a team admin.',
    );
  if (route.scope) need(route.scope);

  const selectUser = header(headers, 'dropbox-api-select-user');
  const selectAdmin = header(headers, 'dropbox-api-select-admin');
  let account: Account;
  let asAdmin = false;
  if (grant.team && (route.auth === 'token' || route.auth === 'team') && !selectUser && !selectAdmin) {
    // Nothing member-specific happens on these routes: any admin stands for the team.
    account = grant.team.members.find((m) => m.admin) ?? grant.team.members[0]!;
  } else if (grant.team) {
    if (!selectUser && !selectAdmin) {
      throw badRequest(
        route.name,
        'This API function operates on a single Dropbox account, but the OAuth 2 access token you provided is for an entire Dropbox Business team. ' +
          'Since your API app key has team member file access permissions, you can operate on a team member\'s Dropbox by providing the "Dropbox-API-Select-User" HTTP header or "select_user" URL parameter to specify the exact user <https://www.dropbox.com/developers/documentation/http/teams>.',
      );
    }
    need('team_data.member');
    if (selectUser) {
      const m = grant.team.members.find((a) => a.memberId === selectUser);
      if (!m) throw authError(tag('invalid_select_user'));
      account = m;
    } else {
      const m = grant.team.members.find((a) => a.memberId === selectAdmin);
      if (!m || !m.admin) throw authError(tag('invalid_select_admin'));
      account = m;
      asAdmin = true;
    }
  } else {
    if (selectUser || selectAdmin) {
      throw badRequest(
        route.name,
        `Unexpected "Dropbox-API-Select-${selectUser ? 'User' : 'Admin'}" header: the access token is not a team token.`,
      );
    }
    account = grant.account!;
  }

  const app = grant.app;
  const pathRoot = header(headers, 'dropbox-api-path-root');
  const base = { tree: st.tree, token, grant, app, account, asAdmin };
  if (app.access === 'app_folder') {
    if (pathRoot)
      throw badRequest(
        route.name,
        'HTTP header "Dropbox-API-Path-Root": this app has app folder access and may not set a path root.',
      );
    return { ...base, root: st.world.appFolder(account, app), accessible: new Set() };
  }
  const accessible = st.world.accessibleNamespaces(account, asAdmin);
  let root = account.home;
  if (pathRoot) {
    let parsed;
    try {
      parsed = PATH_ROOT.parse(JSON.parse(pathRoot), '');
    } catch (err) {
      const msg = err instanceof ArgError ? err.message : 'could not decode input as JSON';
      throw badRequest(route.name, `HTTP header "Dropbox-API-Path-Root": ${msg}`);
    }
    if (parsed.tag === 'root') {
      if (parsed.value !== st.world.rootOf(account).nsId) {
        const error = { '.tag': 'invalid_root', invalid_root: st.world.rootInfo(account) };
        throw new ApiError(422, { error_summary: 'invalid_root/..', error });
      }
      root = st.world.rootOf(account);
    } else if (parsed.tag === 'namespace_id') {
      const ns = st.tree.namespaces.get(parsed.value);
      if (!ns || !accessible.has(parsed.value))
        throw new ApiError(422, { error_summary: 'no_permission/..', error: tag('no_permission') });
      root = ns;
    }
  }
  return { ...base, root, accessible };
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}
