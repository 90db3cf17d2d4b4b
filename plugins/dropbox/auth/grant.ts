// A connection's grant as the vault holds it: the refresh token (encrypted) and what
// may be shown (clear): who signed in, the scopes granted, when, and whether the user
// must sign in again and why. The last access token is kept too (encrypted, with its
// expiry and grant in clear), so the daemons of a cluster share one refresh
// (token-provider.ts).
import type { Services } from '../../../src/plugin.ts';

export const REFRESH_TOKEN = 'refreshToken';
/**
 * The secret holding the last access token; its expiry and grant are in the state. Under
 * a path no connection file can have (`tokens` is no field of the schema), so the loader,
 * which copies stored secrets into definitions (src/config/stored-secrets.ts), leaves it
 * out: a definition that changed with every refresh would reopen its client at each reload.
 */
export const ACCESS_TOKEN = 'tokens.access';

export interface SharedAccessToken {
  expiresAt: number;
  /** authorisedAt of the grant it came from: a token of an earlier grant is not used. */
  grantAt?: string;
}

export interface Reauthorisation {
  kind: 'invalid_grant' | 'missing_scope';
  reason: string;
  scope?: string;
  at: string;
}

export interface GrantState extends Record<string, unknown> {
  label?: string;
  accountId?: string;
  teamId?: string;
  /** As granted by Dropbox (token response `scope`); absent if Dropbox did not say. */
  scopes?: string[];
  authorisedAt?: string;
  /** The app key the grant belongs to: a grant of another app cannot be refreshed. */
  appKey?: string;
  reauthorisation?: Reauthorisation;
  accessToken?: SharedAccessToken;
}

export async function grantState(services: Services, name: string): Promise<GrantState> {
  return (await services.secretsOf(name).state<GrantState>()) as GrantState;
}

export async function refreshTokenOf(services: Services, name: string): Promise<string | undefined> {
  return services.secretsOf(name).secret(REFRESH_TOKEN);
}

/** Stores a new grant in one atomic write, clearing any earlier re-authorisation mark. */
export async function saveGrant(
  services: Services,
  name: string,
  refreshToken: string,
  state: Omit<GrantState, 'reauthorisation'>,
): Promise<void> {
  await services.secretsOf(name).update({
    secrets: { [REFRESH_TOKEN]: refreshToken },
    state: {
      label: undefined,
      accountId: undefined,
      teamId: undefined,
      scopes: undefined,
      ...state,
      reauthorisation: undefined,
    },
  });
}

export async function markNeedsReauthorisation(
  services: Services,
  name: string,
  r: Omit<Reauthorisation, 'at'>,
): Promise<void> {
  const reauthorisation = { ...r, at: new Date().toISOString() };
  // A revoked grant's access token is dead too: no daemon of a cluster may pick it up.
  if (r.kind === 'invalid_grant')
    await services
      .secretsOf(name)
      .update({ state: { reauthorisation, accessToken: undefined }, secrets: { [ACCESS_TOKEN]: undefined } });
  else await services.secretsOf(name).update({ state: { reauthorisation } });
}

/** Deletes the grant and its state; a custom app secret entered in the UI stays. */
export async function forgetGrant(services: Services, name: string): Promise<boolean> {
  const vault = services.secretsOf(name);
  const names = await vault.secretNames();
  const others = names.filter((n) => n !== REFRESH_TOKEN && n !== ACCESS_TOKEN);
  if (!others.length) return vault.forget();
  await vault.update({
    secrets: { [REFRESH_TOKEN]: undefined, [ACCESS_TOKEN]: undefined },
    state: {
      label: undefined,
      accountId: undefined,
      teamId: undefined,
      scopes: undefined,
      authorisedAt: undefined,
      appKey: undefined,
      reauthorisation: undefined,
      accessToken: undefined,
    },
  });
  return names.includes(REFRESH_TOKEN);
}
