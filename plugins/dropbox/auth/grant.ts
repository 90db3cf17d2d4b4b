// A connection's grant as the vault holds it: the refresh token (encrypted) and what
// may be shown (clear): who signed in, the scopes granted, when, and whether the user
// must sign in again and why. Access tokens are never stored; they live in memory.
import type { Services } from '../../../src/plugin.ts';

export const REFRESH_TOKEN = 'refreshToken';

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
  await services.secretsOf(name).update({ state: { reauthorisation: { ...r, at: new Date().toISOString() } } });
}

/** Deletes the grant and its state; a custom app secret entered in the UI stays. */
export async function forgetGrant(services: Services, name: string): Promise<boolean> {
  const vault = services.secretsOf(name);
  const names = await vault.secretNames();
  const others = names.filter((n) => n !== REFRESH_TOKEN);
  if (!others.length) return vault.forget();
  await vault.update({
    secrets: { [REFRESH_TOKEN]: undefined },
    state: {
      label: undefined,
      accountId: undefined,
      teamId: undefined,
      scopes: undefined,
      authorisedAt: undefined,
      appKey: undefined,
      reauthorisation: undefined,
    },
  });
  return names.includes(REFRESH_TOKEN);
}
