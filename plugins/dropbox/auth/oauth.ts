// Dropbox's OAuth 2 endpoints: the authorize URL, the code exchange, refresh and
// revoke. Every request goes through the connection's dispatcher, so token calls use
// the same proxy as file calls. Errors are one line: Dropbox's words and the fix.
import type { Dispatcher } from 'undici';
import type { AppCredentials, Endpoints } from './app.ts';
import { OAuthError } from './errors.ts';
import { describeNetworkFailure, oneLine, request } from '../../../src/plugin.ts';
import { proxyRefusal } from '../api/proxy-refusal.ts';

export interface OAuthContext {
  dispatcher: Dispatcher;
  endpoints: Endpoints;
  app: AppCredentials;
  signal?: AbortSignal;
}

export interface TokenGrant {
  accessToken: string;
  /** ms since epoch. */
  expiresAt: number;
  refreshToken?: string;
  /** Granted scopes, when Dropbox says. */
  scopes?: string[];
  accountId?: string;
  teamId?: string;
}

export function authorizeUrl(
  endpoints: Endpoints,
  app: AppCredentials,
  p: { state: string; challenge: string; scopes: string[]; redirectUri?: string },
): string {
  const q = new URLSearchParams({
    client_id: app.appKey,
    response_type: 'code',
    token_access_type: 'offline',
    code_challenge: p.challenge,
    code_challenge_method: 'S256',
    state: p.state,
  });
  if (p.scopes.length) q.set('scope', p.scopes.join(' '));
  // Sent exactly as configured (URLSearchParams only percent-encodes it): Dropbox
  // compares it byte for byte with the URIs registered in the App Console.
  if (p.redirectUri !== undefined) q.set('redirect_uri', p.redirectUri);
  return `${endpoints.www}/oauth2/authorize?${q}`;
}

export async function exchangeCode(
  ctx: OAuthContext,
  p: { code: string; verifier: string; redirectUri?: string },
): Promise<TokenGrant> {
  const form: Record<string, string> = { grant_type: 'authorization_code', code: p.code, code_verifier: p.verifier };
  if (p.redirectUri !== undefined) form.redirect_uri = p.redirectUri;
  const body = await tokenCall(ctx, form, 'exchange the code');
  if (!body.refresh_token) {
    throw new OAuthError(
      'Dropbox returned no refresh token (the app may not allow offline access); check the app in the Dropbox App Console',
      'no_refresh_token',
    );
  }
  return grantOf(body);
}

export async function refreshAccessToken(ctx: OAuthContext, refreshToken: string): Promise<TokenGrant> {
  return grantOf(
    await tokenCall(ctx, { grant_type: 'refresh_token', refresh_token: refreshToken }, 'refresh the access token'),
  );
}

/** Revokes the token and every token of its grant (the refresh token too). */
export async function revokeToken(ctx: OAuthContext, accessToken: string): Promise<void> {
  const res = await send(
    ctx,
    `${ctx.endpoints.api}/2/auth/token/revoke`,
    {
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: 'null',
    },
    'revoke the token',
  );
  const text = await res.body.text();
  if (res.statusCode !== 200) {
    throw new OAuthError(
      `Dropbox refused to revoke the token: HTTP ${res.statusCode} ${summary(text)}`,
      errorTag(text) ?? `http_${res.statusCode}`,
      res.statusCode,
    );
  }
}

interface TokenBody {
  access_token?: string;
  expires_in?: number;
  refresh_token?: string;
  scope?: string;
  account_id?: string;
  team_id?: string;
  error?: string;
  error_description?: string;
}

async function tokenCall(ctx: OAuthContext, form: Record<string, string>, what: string): Promise<TokenBody> {
  const params = new URLSearchParams({ ...form, client_id: ctx.app.appKey });
  if (ctx.app.appSecret) params.set('client_secret', ctx.app.appSecret);
  const res = await send(
    ctx,
    `${ctx.endpoints.api}/oauth2/token`,
    {
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: params.toString(),
    },
    what,
  );
  const text = await res.body.text();
  let body: TokenBody | undefined;
  try {
    body = JSON.parse(text) as TokenBody;
  } catch {
    body = undefined;
  }
  if (res.statusCode === 200 && body?.access_token) return body;
  const code = body?.error ?? `http_${res.statusCode}`;
  throw new OAuthError(
    `could not ${what}: ${explain(code, body?.error_description ?? summary(text), form.grant_type!)}`,
    code,
    res.statusCode,
  );
}

function explain(code: string, description: string, grant: string): string {
  const said = `Dropbox said ${code}${description ? `: ${oneLine(description)}` : ''}`;
  switch (code) {
    case 'invalid_grant':
      return grant === 'refresh_token'
        ? `${said} (the grant was revoked or expired); authorise the connection again`
        : `${said} (the code was already used, has expired, or the PKCE verifier did not match); start the sign-in again`;
    case 'invalid_client':
      return `${said}; check the app key and secret against the Dropbox App Console`;
    case 'invalid_request':
      return /redirect/i.test(description)
        ? `${said}; the redirect URL must exactly match one registered for the app in the Dropbox App Console`
        : `${said}`;
    default:
      return said;
  }
}

async function send(
  ctx: OAuthContext,
  url: string,
  opts: { headers: Record<string, string>; body: string },
  what: string,
): Promise<Dispatcher.ResponseData> {
  let res: Dispatcher.ResponseData;
  try {
    res = await request(url, {
      method: 'POST',
      dispatcher: ctx.dispatcher,
      signal: ctx.signal,
      headers: opts.headers,
      body: opts.body,
    });
  } catch (err) {
    if (ctx.signal?.aborted) throw err;
    const f = describeNetworkFailure(err, ctx.dispatcher, new URL(url).origin);
    // A rejected proxy password already names its fix; anything else gets the general one.
    const fix = f.badCredentials ? '' : "; check the network and the connection's proxy settings";
    throw new OAuthError(`could not ${what}: ${oneLine(f.message)}${fix}`, f.badCredentials ? 'proxy_auth' : 'network');
  }
  const contentType = res.headers['content-type'];
  const refusal = proxyRefusal(
    ctx.dispatcher,
    res.statusCode,
    Array.isArray(contentType) ? contentType[0] : contentType,
  );
  if (refusal) {
    await res.body.dump();
    throw new OAuthError(`could not ${what}: ${refusal}`, 'proxy_auth', res.statusCode);
  }
  return res;
}

function grantOf(b: TokenBody): TokenGrant {
  return {
    accessToken: b.access_token!,
    expiresAt: Date.now() + (typeof b.expires_in === 'number' ? b.expires_in : 14400) * 1000,
    refreshToken: b.refresh_token,
    scopes: typeof b.scope === 'string' ? b.scope.split(/\s+/).filter(Boolean) : undefined,
    accountId: b.account_id,
    teamId: b.team_id,
  };
}

function errorTag(text: string): string | undefined {
  try {
    const j = JSON.parse(text) as { error?: { '.tag'?: string } | string; error_summary?: string };
    if (typeof j.error === 'string') return j.error;
    return j.error?.['.tag'] ?? j.error_summary?.split('/')[0];
  } catch {
    return undefined;
  }
}

function summary(text: string): string {
  return oneLine(text, 200);
}
