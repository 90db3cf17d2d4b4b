// The dropbox ConnectionType's operations besides sign-in: open (the live client),
// status, test, disconnect and browse. The CLI, the scheduler and the admin UI all
// call these; nothing here prints or renders.
import {
  formatBytes,
  oneLine,
  type BrowseEntry,
  type ConnectionDefinition,
  type ConnectionStatus,
  type ConnectionTestReport,
  type Services,
} from '../../../src/plugin.ts';
import { normaliseProxy } from '../../../src/plugin.ts';
import { createDropboxClient } from '../api/client.ts';
import { UPLOAD_SESSIONS, uploadCheckpointsIn } from '../api/upload-checkpoints.ts';
import { InvalidTokenError, MissingScopeError } from '../api/errors.ts';
import type { DropboxClient } from '../api/types.ts';
import { callObserver } from './call-observer.ts';
import { asDropbox, resolveApp, resolveEndpoints, scopesOf } from './app.ts';
import { forgetGrant, grantState, markNeedsReauthorisation, refreshTokenOf } from './grant.ts';
import { forgetAccessToken, reauthHint, tokenSourceFor } from './token-provider.ts';
import { refreshAccessToken, revokeToken, type OAuthContext } from './oauth.ts';
import { OAuthError } from './errors.ts';
import { accountLabel } from './account.ts';
import { TEAM_LINK_HINT, teamListsFor, teamReport } from '../connection-choices.ts';

export function openConnection(def: ConnectionDefinition, services: Services): DropboxClient {
  const d = asDropbox(def);
  const token = tokenSourceFor(def, services);
  const client = createDropboxClient({
    dispatcher: services.dispatcherFor(def),
    token,
    endpoints: resolveEndpoints(def, services),
    business: d.business,
    appFolder: d.access === 'app-folder',
    log: services.log.child({ connection: def.name }),
    uploadCheckpoints: uploadCheckpointsIn(services.store.checkpoints(UPLOAD_SESSIONS), def.name),
    observer: callObserver(def, services),
  });
  return watchAuth(client, {
    // Signed in again elsewhere (e.g. `dropcron auth` while the daemon runs, after
    // adding a scope): switch to the new grant and retry instead of marking.
    async newerGrant() {
      if (!(await token.grantChanged())) return false;
      token.replace();
      return true;
    },
    async missingScope(err) {
      await markNeedsReauthorisation(services, def.name, {
        kind: 'missing_scope',
        scope: err.requiredScope,
        reason: `Dropbox refused a call for lack of the scope '${err.requiredScope}' (enable it in the App Console, Permissions tab; the current grant keeps its old scopes)`,
      }).catch(() => {});
      services.log.warn(
        { connection: def.name, scope: err.requiredScope },
        'connection needs re-authorisation: missing scope',
      );
    },
    // A revoked access token (invalid_access_token) says nothing about the grant; a
    // refresh does: it either gets a new token or marks the connection (invalid_grant).
    async invalidToken() {
      await token.refresh(token.snapshot?.accessToken ?? '');
    },
  });
}

/**
 * Wraps every method of the client so auth failures, wherever they come from (a
 * promise or a listing), are acted on before they reach the caller: missing_scope
 * marks the connection (unless a newer grant is stored: then the call is retried with
 * it); invalid_access_token checks the grant with a refresh (whose invalid_grant then
 * replaces the error) and retries a promise call once. Retrying is safe because
 * Dropbox rejected the request before doing anything.
 */
function watchAuth(
  client: DropboxClient,
  on: {
    newerGrant(): Promise<boolean>;
    missingScope(err: MissingScopeError): Promise<void>;
    invalidToken(): Promise<void>;
  },
): DropboxClient {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function') return v;
      const call = (args: unknown[]) => (v as (...a: unknown[]) => unknown).apply(target, args);
      return (...args: unknown[]) => {
        const out = call(args);
        if (out instanceof Promise) {
          const retry = () =>
            (call(args) as Promise<unknown>).catch(async (again: unknown) => {
              if (again instanceof MissingScopeError) await on.missingScope(again);
              throw again;
            });
          return out.catch(async (err: unknown) => {
            if (err instanceof InvalidTokenError) {
              await on.invalidToken();
              return retry();
            }
            if (err instanceof MissingScopeError) {
              if (await on.newerGrant()) return retry();
              await on.missingScope(err);
            }
            throw err;
          });
        }
        if (out && typeof out === 'object' && Symbol.asyncIterator in out) {
          return (async function* () {
            try {
              yield* out as AsyncIterable<unknown>;
            } catch (err) {
              // A listing cannot be replayed from the middle: act, then let it fail.
              if (err instanceof MissingScopeError && !(await on.newerGrant())) await on.missingScope(err);
              if (err instanceof InvalidTokenError) await on.invalidToken();
              throw err;
            }
          })();
        }
        return out;
      };
    },
  });
}

export async function connectionStatus(def: ConnectionDefinition, services: Services): Promise<ConnectionStatus> {
  let st;
  let hasGrant;
  try {
    st = await grantState(services, def.name);
    // Decrypting (not just listing) proves the master key still matches.
    hasGrant = (await refreshTokenOf(services, def.name)) !== undefined;
  } catch (err) {
    return { state: 'error', detail: (err as Error).message };
  }
  const label = st.label;
  if (st.reauthorisation)
    return { state: 'needs-reauthorisation', label, detail: `${st.reauthorisation.reason}; ${reauthHint(def)}` };
  if (!hasGrant) {
    return {
      state: 'needs-authorisation',
      detail: asDropbox(def).sandbox ? 'the sandbox signs it in automatically on first use' : reauthHint(def),
    };
  }
  const missing = st.scopes ? scopesOf(def).filter((s) => !st.scopes!.includes(s)) : [];
  if (missing.length) {
    return {
      state: 'needs-reauthorisation',
      label,
      detail: `the grant lacks the scope${missing.length > 1 ? 's' : ''} ${missing.join(', ')} that the connection asks for; ${reauthHint(def)}`,
    };
  }
  try {
    const app = await resolveApp(def, services);
    if (st.appKey && st.appKey !== app.appKey) {
      return {
        state: 'needs-reauthorisation',
        label,
        detail: `the stored grant belongs to app ${st.appKey}, but the connection now uses app ${app.appKey}; ${reauthHint(def)}`,
      };
    }
  } catch (err) {
    return { state: 'error', label, detail: (err as Error).message };
  }
  return { state: 'authorised', label, detail: st.authorisedAt ? `since ${st.authorisedAt}` : undefined };
}

export async function testConnection(def: ConnectionDefinition, services: Services): Promise<ConnectionTestReport> {
  const d = asDropbox(def);
  const lines: Array<[string, string]> = [];
  const details: Record<string, unknown> = {};
  try {
    const client = openConnection(def, services);
    const token = tokenSourceFor(def, services);
    await token.token(); // sign-in or refresh first, so the round trip below is one API call
    const st = await grantState(services, def.name);
    // A team-admin link acts as nobody until a member is chosen: its report is the team's
    // lists to choose from, as files calls without Select-User would all fail.
    if (st.teamId && !d.business?.selectUser && !d.business?.selectAdmin) {
      const team = await teamReport(await teamListsFor(def, services));
      lines.push(['account', `team-admin link${st.label ? ` by ${st.label}` : ''}`], ...team.lines);
      lines.push(['next', 'a team link acts as one member: set business.selectUser or selectAdmin to an id above']);
      return { ok: false, lines, details: { team: team.details, teamLink: true } };
    }
    const t0 = performance.now();
    const account = await client.getCurrentAccount();
    const rtt = Math.round(performance.now() - t0);
    const usage = await client.getSpaceUsage();

    lines.push(['account', accountLabel(account)]);
    lines.push(['account type', account.account_type['.tag'] + (account.team ? `, team ${account.team.name}` : '')]);
    const missing = st.scopes ? scopesOf(def).filter((s) => !st.scopes!.includes(s)) : [];
    lines.push([
      'scopes',
      st.scopes
        ? st.scopes.join(' ') + (missing.length ? ` (missing: ${missing.join(' ')})` : '')
        : '(not reported by Dropbox)',
    ]);
    const allocated = usage.allocation.allocated;
    lines.push([
      'quota',
      `${formatBytes(usage.used)} used of ${allocated ? formatBytes(allocated) : 'unlimited'}${usage.allocation['.tag'] === 'team' ? ' (team space)' : ''}`,
    ]);
    lines.push(['round trip', `${rtt} ms ${viaProxy(def)}`]);
    const held = token.snapshot;
    if (held)
      lines.push(['access token', `valid until ${new Date(held.expiresAt).toISOString()} (refreshed automatically)`]);
    const ri = account.root_info;
    if (d.access === 'app-folder') {
      lines.push([
        'root',
        "the app's own folder (Apps/<app folder name> in the account's Dropbox); every path is inside it",
      ]);
    } else if (ri['.tag'] === 'team') {
      lines.push([
        'namespaces',
        `team space root ns:${ri.root_namespace_id} (pathRoot: team); member home ns:${ri.home_namespace_id}${ri.home_path ? ` at ${ri.home_path}` : ''} (pathRoot: home)`,
      ]);
      lines.push(['path root', d.business?.pathRoot ?? 'team']);
    } else {
      lines.push([
        'root',
        `the whole Dropbox (ns:${ri.root_namespace_id})${account.team ? "; team folders appear inside the member's home" : ''}`,
      ]);
    }
    if (st.teamId) {
      const team = await teamReport(await teamListsFor(def, services));
      lines.push(...team.lines);
      details.team = team.details;
    } else if (d.account === 'business') {
      lines.push([
        'team lists',
        `this link is one user's: to list the team's members and namespaces, ${TEAM_LINK_HINT}`,
      ]);
    }
    Object.assign(details, {
      account: {
        id: account.account_id,
        name: account.name.display_name,
        email: account.email,
        type: account.account_type['.tag'],
        team: account.team?.name,
      },
      scopes: st.scopes,
      missingScopes: missing,
      quota: { used: usage.used, allocated },
      roundTripMs: rtt,
      proxy: viaProxy(def),
      rootInfo: ri,
      appFolder: d.access === 'app-folder',
    });
    return { ok: missing.length === 0, lines, details };
  } catch (err) {
    lines.push(['error', oneLine(err)]);
    return { ok: false, lines, details: { ...details, error: oneLine(err) } };
  }
}

function viaProxy(def: ConnectionDefinition): string {
  const p = normaliseProxy(def.proxy);
  if (p.type === 'none') return 'direct (no proxy)';
  if (p.type === 'system') return 'through the system proxy (environment)';
  return `through ${p.type} proxy ${p.host}:${p.port}`;
}

/**
 * Revokes the grant at Dropbox (best effort: an unreachable Dropbox must not keep a
 * user from forgetting a token) and deletes the local grant either way.
 */
export async function disconnectConnection(
  def: ConnectionDefinition,
  services: Services,
): Promise<{ revoked: boolean; detail?: string }> {
  let refreshToken: string | undefined;
  try {
    refreshToken = await refreshTokenOf(services, def.name);
  } catch (err) {
    await forgetGrant(services, def.name);
    forgetAccessToken(services, def.name);
    return {
      revoked: false,
      detail: `the stored token could not be read (${(err as Error).message}); it was deleted locally, so revoke dropcron at https://www.dropbox.com/account/connected_apps`,
    };
  }
  let result: { revoked: boolean; detail?: string };
  if (!refreshToken) {
    result = { revoked: false, detail: 'it was not signed in; nothing to revoke' };
  } else {
    try {
      const ctx: OAuthContext = {
        dispatcher: services.dispatcherFor(def),
        endpoints: resolveEndpoints(def, services),
        app: await resolveApp(def, services),
      };
      // Revoke needs an access token; revoking it revokes the whole grant, refresh token included.
      const held = tokenSourceFor(def, services).snapshot;
      const access =
        held && held.expiresAt > Date.now() + 30_000
          ? held.accessToken
          : (await refreshAccessToken(ctx, refreshToken)).accessToken;
      await revokeToken(ctx, access);
      result = { revoked: true, detail: 'revoked at Dropbox' };
    } catch (err) {
      result =
        err instanceof OAuthError && err.error === 'invalid_grant'
          ? { revoked: true, detail: 'Dropbox had already revoked the grant' }
          : {
              revoked: false,
              detail: `could not revoke at Dropbox (${(err as Error).message}); revoke dropcron at https://www.dropbox.com/account/connected_apps`,
            };
    }
  }
  await forgetGrant(services, def.name);
  forgetAccessToken(services, def.name);
  services.log.info({ connection: def.name, revoked: result.revoked }, 'connection disconnected');
  return result;
}

/** One folder, folders first, for the admin UI's folder browser ('' is the root). */
export async function browseConnection(
  def: ConnectionDefinition,
  services: Services,
  path: string,
): Promise<BrowseEntry[]> {
  const client = openConnection(def, services);
  const out: BrowseEntry[] = [];
  for await (const m of client.listFolder(path)) {
    if (m['.tag'] === 'deleted') continue;
    out.push({
      name: m.name,
      path: m.path_display ?? m.path_lower ?? m.name,
      folder: m['.tag'] === 'folder',
      ...(m['.tag'] === 'file' ? { size: m.size, modified: m.server_modified } : {}),
    });
  }
  return out.sort((a, b) => Number(b.folder) - Number(a.folder) || a.name.localeCompare(b.name));
}
