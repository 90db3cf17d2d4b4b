// One token source per connection and process, so every job, test and browse of a
// connection shares one access token and one single-flight refresh (RefreshingToken).
// The refresh token is read from the vault on each refresh, never cached in memory
// longer than the call. invalid_grant marks the connection "needs re-authorisation"
// and every later refresh fails at once, without a request, until it is authorised again.
// Across processes (the daemons of a cluster, a `dropcron run` beside the daemon) a
// refresh holds the store's lock of its connection, and the new access token goes into
// the vault: whoever waited for the lock finds it there and uses it instead of
// refreshing again, and finds a revoked grant marked there instead of trying it.
import type { ConnectionDefinition, Services } from '../../../src/plugin.ts';
import type { TokenSource } from '../api/types.ts';
import { REFRESH_MARGIN_MS, RefreshingToken, type AccessToken } from '../api/token.ts';
import { AuthError, InvalidGrantError } from '../api/errors.ts';
import { resolveApp, resolveEndpoints, asDropbox } from './app.ts';
import { refreshAccessToken } from './oauth.ts';
import { OAuthError } from './errors.ts';
import { ACCESS_TOKEN, grantState, markNeedsReauthorisation, refreshTokenOf, type GrantState } from './grant.ts';

/**
 * The stable TokenSource a client holds. A new sign-in swaps the RefreshingToken
 * inside, so clients already open switch to the new grant (e.g. one with more scopes)
 * instead of using the old access token until it expires.
 */
export class ConnectionToken implements TokenSource {
  private inner: RefreshingToken;
  /** authorisedAt of the grant the current access token came from. */
  grantAt?: string;

  constructor(
    public def: ConnectionDefinition,
    public services: Services,
    initial?: AccessToken,
  ) {
    this.inner = this.fresh(initial);
  }

  token(signal?: AbortSignal): Promise<string> {
    return this.inner.token(signal);
  }

  refresh(stale: string, signal?: AbortSignal): Promise<string> {
    return this.inner.refresh(stale, signal);
  }

  get snapshot(): AccessToken | undefined {
    return this.inner.snapshot;
  }

  replace(initial?: AccessToken, grantAt?: string): void {
    this.inner = this.fresh(initial);
    this.grantAt = grantAt;
  }

  /**
   * Whether the vault now holds a newer grant than the one in use: another process
   * (dropcron auth while the daemon runs) signed the connection in again.
   */
  async grantChanged(): Promise<boolean> {
    const at = (await grantState(this.services, this.def.name)).authorisedAt;
    return at !== undefined && at !== this.grantAt;
  }

  private fresh(initial?: AccessToken): RefreshingToken {
    return new RefreshingToken((signal) => this.counted(refreshFor(this, signal)), initial);
  }

  /** Tells the core's metrics how each refresh went. */
  private async counted(refresh: Promise<AccessToken>): Promise<AccessToken> {
    const report = (ok: boolean) =>
      this.services.events.emit('remote:token-refresh', { connection: this.def.name, ok });
    try {
      const token = await refresh;
      report(true);
      return token;
    } catch (err) {
      report(false);
      throw err;
    }
  }
}

const sources = new Map<string, ConnectionToken>();
const keyOf = (services: Services, name: string) => `${services.stateDir}\0${name}`;

/** Signs a never-authorised sandbox connection in; set by the sandbox module. */
export type AutoAuthorise = (def: ConnectionDefinition, services: Services) => Promise<void>;
let autoAuthorise: AutoAuthorise | undefined;
export function setSandboxAutoAuthorise(fn: AutoAuthorise): void {
  autoAuthorise = fn;
}

export function tokenSourceFor(def: ConnectionDefinition, services: Services): ConnectionToken {
  const key = keyOf(services, def.name);
  let t = sources.get(key);
  if (t) {
    t.def = def;
    t.services = services;
  } else {
    t = new ConnectionToken(def, services);
    sources.set(key, t);
  }
  return t;
}

/** After a sign-in: the fresh access token is used at once instead of a refresh. */
export function rememberAccessToken(
  def: ConnectionDefinition,
  services: Services,
  access: AccessToken,
  authorisedAt: string,
): void {
  tokenSourceFor(def, services).replace(access, authorisedAt);
}

/** After a disconnect: drops the in-memory access token. */
export function forgetAccessToken(services: Services, name: string): void {
  sources.get(keyOf(services, name))?.replace();
}

/** The fix for a connection that has no usable grant, for messages. */
export function reauthHint(def: ConnectionDefinition): string {
  return `run: dropcron auth ${def.name} (or sign in from the admin UI)`;
}

/** A connection the bundled sandbox signs in by itself (never one that talks to Dropbox). */
function signsInBySandbox(def: ConnectionDefinition): boolean {
  const d = asDropbox(def);
  return d.sandbox === true && !d.endpoints && autoAuthorise !== undefined;
}

/** Runs the sandbox's consent flow; the sign-in leaves the fresh access token in `source`. */
async function sandboxSignIn(source: ConnectionToken): Promise<AccessToken> {
  await autoAuthorise!(source.def, source.services);
  const fresh = source.snapshot;
  if (!fresh)
    throw new AuthError(`the sandbox sign-in of '${source.def.name}' left no access token`, {
      route: 'oauth2/token',
      tags: ['not_authorised'],
    });
  return fresh;
}

/** Longer than a refresh request may take (its connect and header timeout), so a live holder keeps the lock. */
const lockTtlMs = (def: ConnectionDefinition) => ((def.timeoutSeconds ?? 60) + 30) * 1000;

/** One refresh per connection at a time, across every process sharing the store. */
function refreshFor(source: ConnectionToken, signal?: AbortSignal): Promise<AccessToken> {
  const { def, services } = source;
  return services.store.withLock(`dropbox-token.${def.name}`, lockTtlMs(def), () => refreshHoldingLock(source, signal));
}

/**
 * The access token another process put into the vault for this grant while this one
 * waited for the lock, if it is not the one this process holds (the one it found
 * expiring or refused) and is not expiring itself.
 */
async function sharedToken(source: ConnectionToken, st: GrantState): Promise<AccessToken | undefined> {
  const meta = st.accessToken;
  if (!meta || meta.grantAt !== st.authorisedAt || meta.expiresAt - Date.now() <= REFRESH_MARGIN_MS) return undefined;
  const accessToken = await source.services.secretsOf(source.def.name).secret(ACCESS_TOKEN);
  if (!accessToken || accessToken === source.snapshot?.accessToken) return undefined;
  return { accessToken, expiresAt: meta.expiresAt };
}

async function refreshHoldingLock(source: ConnectionToken, signal?: AbortSignal): Promise<AccessToken> {
  const { def, services } = source;
  const route = 'oauth2/token';
  const sandbox = signsInBySandbox(def);
  const st = await grantState(services, def.name);
  if (st.reauthorisation?.kind === 'invalid_grant' && !sandbox) {
    // Also when another daemon found the grant revoked: nobody asks Dropbox again.
    source.replace();
    throw new InvalidGrantError(
      `connection '${def.name}' needs re-authorisation (${st.reauthorisation.reason}); ${reauthHint(def)}`,
      { route, tags: ['invalid_grant'] },
    );
  }
  const shared = await sharedToken(source, st);
  if (shared) {
    source.grantAt = st.authorisedAt;
    services.log.debug({ connection: def.name }, 'access token refreshed by another dropcron process');
    return shared;
  }
  const refreshToken = await refreshTokenOf(services, def.name);
  if (!refreshToken && sandbox) return sandboxSignIn(source);
  if (!refreshToken) {
    throw new AuthError(`connection '${def.name}' is not authorised; ${reauthHint(def)}`, {
      route,
      tags: ['not_authorised'],
    });
  }
  const app = await resolveApp(def, services);
  try {
    const grant = await refreshAccessToken(
      { dispatcher: services.dispatcherFor(def), endpoints: resolveEndpoints(def, services), app, signal },
      refreshToken,
    );
    source.grantAt = st.authorisedAt;
    // Shared with the other processes of the store; if that fails, this one still has the token.
    await services
      .secretsOf(def.name)
      .update({
        secrets: { [ACCESS_TOKEN]: grant.accessToken },
        state: { accessToken: { expiresAt: grant.expiresAt, grantAt: st.authorisedAt } },
      })
      .catch((err: unknown) =>
        services.log.warn(
          { connection: def.name },
          `cannot share the refreshed access token through the vault: ${(err as Error).message}`,
        ),
      );
    services.log.debug(
      { connection: def.name, expiresAt: new Date(grant.expiresAt).toISOString() },
      'access token refreshed',
    );
    return { accessToken: grant.accessToken, expiresAt: grant.expiresAt };
  } catch (err) {
    if (!(err instanceof OAuthError && err.error === 'invalid_grant')) throw err;
    if (sandbox) {
      // The sandbox keeps grants in memory, so a daemon restart forgets them: sign in again.
      services.log.info(
        { connection: def.name },
        'the sandbox no longer knows this grant (restarted?); signing in again',
      );
      return sandboxSignIn(source);
    }
    const reason = 'Dropbox refused the refresh token: the grant was revoked or expired';
    await markNeedsReauthorisation(services, def.name, { kind: 'invalid_grant', reason });
    // Drop the access token too: every later call then fails here, before any request.
    source.replace();
    services.log.warn({ connection: def.name }, `connection needs re-authorisation: ${reason}`);
    throw new InvalidGrantError(`connection '${def.name}' needs re-authorisation (${reason}); ${reauthHint(def)}`, {
      route,
      status: err.status,
      tags: ['invalid_grant'],
    });
  }
}
