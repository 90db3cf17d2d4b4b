// OAuth grants and the tokens minted from them. A grant is one authorisation of an app
// by an account (or a team admin for a team link); revoking any of its tokens revokes
// the grant: its refresh token and every access token minted from it.
import { randomBytes } from 'node:crypto';
import type { SeedApp } from './seed.ts';
import type { Account, Team } from './world.ts';

export interface Grant {
  app: SeedApp;
  account?: Account;
  team?: Team;
  scopes: string[];
  refreshToken?: string;
  /** Came from a PKCE flow: refreshing needs no client secret. */
  pkce: boolean;
  revoked: boolean;
}

export interface AccessToken {
  token: string;
  grant: Grant;
  /** The grant's scopes, or the subset asked for when refreshing. */
  scopes: string[];
  /** ms since epoch; null for long-lived (legacy) tokens. */
  expiresAt: number | null;
}

export interface AuthCode {
  code: string;
  app: SeedApp;
  account: Account;
  team?: Team;
  scopes: string[];
  redirectUri?: string;
  challenge?: string;
  challengeMethod?: 'S256' | 'plain';
  accessType: 'offline' | 'online' | 'legacy';
  expiresAt: number;
}

/** URL-safe random text: the JS SDK puts tokens and codes into query strings unencoded. */
const random = (bytes: number) => randomBytes(bytes).toString('base64url');

export const CODE_TTL_MS = 10 * 60 * 1000;

export class Tokens {
  private access = new Map<string, AccessToken>();
  private refresh = new Map<string, Grant>();
  private codes = new Map<string, AuthCode>();

  constructor(public defaultTtlSeconds: number) {}

  mintAccess(grant: Grant, ttlSeconds = this.defaultTtlSeconds, legacy = false, scopes = grant.scopes): AccessToken {
    const token = (legacy ? '' : 'sl.') + random(96);
    const t: AccessToken = { token, grant, scopes, expiresAt: legacy ? null : Date.now() + ttlSeconds * 1000 };
    this.access.set(token, t);
    return t;
  }

  newGrant(g: Omit<Grant, 'revoked' | 'refreshToken'>, withRefresh: boolean): Grant {
    const grant: Grant = { ...g, revoked: false };
    if (withRefresh) {
      grant.refreshToken = random(48);
      this.refresh.set(grant.refreshToken, grant);
    }
    return grant;
  }

  findAccess(token: string): AccessToken | undefined {
    return this.access.get(token);
  }

  findRefresh(token: string): Grant | undefined {
    return this.refresh.get(token);
  }

  newCode(c: Omit<AuthCode, 'code' | 'expiresAt'>): AuthCode {
    const code: AuthCode = { ...c, code: random(32), expiresAt: Date.now() + CODE_TTL_MS };
    this.codes.set(code.code, code);
    return code;
  }

  /** Codes are single-use: taking one removes it. */
  takeCode(code: string): AuthCode | undefined {
    const c = this.codes.get(code);
    this.codes.delete(code);
    return c && c.expiresAt > Date.now() ? c : undefined;
  }

  revoke(grant: Grant): void {
    grant.revoked = true;
    if (grant.refreshToken) this.refresh.delete(grant.refreshToken);
    for (const [k, t] of this.access) if (t.grant === grant) this.access.delete(k);
  }

  expireAll(): void {
    for (const t of this.access.values()) t.expiresAt = 0;
  }

  revokeAll(): void {
    for (const t of this.access.values()) this.revoke(t.grant);
    for (const g of this.refresh.values()) this.revoke(g);
  }
}
