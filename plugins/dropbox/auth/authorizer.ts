// The sign-in flow shared by the CLI and the admin UI: begin() builds the authorize
// URL and remembers the PKCE verifier under a fresh state; complete() checks the state,
// exchanges the code through the connection's proxy and stores the grant. Any failure
// throws one clear line and stores nothing.
import {
  oneLine,
  type Authorizer,
  type ConnectionDefinition,
  type ConnectionStatus,
  type Services,
} from '../../../src/plugin.ts';
import { resolveApp, resolveEndpoints, redirectUrlOf, scopesOf } from './app.ts';
import { challengeS256, createVerifier } from './pkce.ts';
import { flows as defaultFlows, type FlowKind, type FlowStore } from './flow-state.ts';
import { authorizeUrl, exchangeCode, type OAuthContext } from './oauth.ts';
import { AuthFlowError, OAuthError } from './errors.ts';
import { fetchAccountLabel } from './account.ts';
import { saveGrant } from './grant.ts';
import { rememberAccessToken } from './token-provider.ts';

export interface BeginOptions {
  mode: 'redirect' | 'paste';
  redirectUrl?: string;
  /** Which flow, for the record; the admin UI's calls default to ui-redirect / ui-paste. */
  flow?: FlowKind;
}

export interface CompleteParams {
  state: string;
  code?: string;
  error?: string;
  errorDescription?: string;
}

export interface DropboxAuthorizer extends Authorizer {
  begin(def: ConnectionDefinition, services: Services, opts: BeginOptions): Promise<{ url: string; state: string }>;
  readonly flows: FlowStore;
}

export function createAuthorizer(flows: FlowStore = defaultFlows): DropboxAuthorizer {
  return {
    flows,
    async begin(def, services, opts) {
      const app = await resolveApp(def, services);
      const endpoints = resolveEndpoints(def, services);
      const verifier = createVerifier();
      const redirectUri = opts.mode === 'redirect' ? (opts.redirectUrl ?? redirectUrlOf(def)) : undefined;
      const flow = opts.flow ?? (opts.mode === 'redirect' ? 'ui-redirect' : 'ui-paste');
      const state = flows.create({ connection: def.name, flow, verifier, redirectUri });
      const url = authorizeUrl(endpoints, app, {
        state,
        challenge: challengeS256(verifier),
        scopes: scopesOf(def),
        redirectUri,
      });
      services.log.info(
        { connection: def.name, flow, redirectUri: redirectUri ?? '(none: paste the code)' },
        'sign-in started',
      );
      return { url, state };
    },

    async complete(def, services, params: CompleteParams): Promise<ConnectionStatus> {
      const pending = flows.take(params.state, def.name);
      const who = `sign-in for '${def.name}'`;
      if (params.error) {
        const desc = params.errorDescription ? `: ${oneLine(params.errorDescription)}` : '';
        const msg =
          params.error === 'access_denied'
            ? `${who} was cancelled: access was denied at Dropbox (access_denied${desc}); nothing was stored`
            : `${who} failed: Dropbox answered ${params.error}${desc}; nothing was stored`;
        services.log.warn(
          { connection: def.name, flow: pending.flow, error: params.error },
          'sign-in ended without a grant',
        );
        throw new AuthFlowError(msg);
      }
      const code = params.code?.trim();
      if (!code) throw new AuthFlowError(`${who} failed: no authorisation code came back; nothing was stored`);
      const ctx: OAuthContext = {
        dispatcher: services.dispatcherFor(def),
        endpoints: resolveEndpoints(def, services),
        app: await resolveApp(def, services),
      };
      let grant;
      try {
        grant = await exchangeCode(ctx, { code, verifier: pending.verifier, redirectUri: pending.redirectUri });
      } catch (err) {
        if (err instanceof OAuthError) {
          services.log.warn(
            { connection: def.name, flow: pending.flow, error: err.error },
            'sign-in failed at the token endpoint',
          );
          throw new AuthFlowError(`${who} failed: ${err.message}; nothing was stored`);
        }
        throw err;
      }
      const label = await fetchAccountLabel(ctx, grant.accessToken);
      const authorisedAt = new Date().toISOString();
      await saveGrant(services, def.name, grant.refreshToken!, {
        label,
        accountId: grant.accountId,
        teamId: grant.teamId,
        scopes: grant.scopes,
        authorisedAt,
        appKey: ctx.app.appKey,
      });
      rememberAccessToken(def, services, { accessToken: grant.accessToken, expiresAt: grant.expiresAt }, authorisedAt);
      services.log.info(
        { connection: def.name, flow: pending.flow, account: grant.accountId, scopes: grant.scopes },
        'connection authorised',
      );
      return { state: 'authorised', label, detail: `authorised ${authorisedAt}` };
    },
  };
}

/** The process's authoriser: the ConnectionType's `authorize`. */
export const authorizer = createAuthorizer();
