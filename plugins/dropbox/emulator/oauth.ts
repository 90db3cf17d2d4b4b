// OAuth 2 as Dropbox does it: the consent page at /oauth2/authorize (www.dropbox.com),
// the token endpoint at /oauth2/token (api.dropboxapi.com). Authorization codes are
// single-use and live 10 minutes; PKCE (S256, plain) or the client secret proves the
// client; offline access adds a refresh token that lives until revoked.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors.ts';
import type { Io } from './http-io.ts';
import type { SeedApp } from './seed.ts';
import type { State } from './state.ts';
import type { AuthCode, Grant } from './tokens.ts';
import type { Account } from './world.ts';

const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export async function handleOAuth(st: State, url: URL, req: IncomingMessage, io: Io): Promise<void> {
  if (url.pathname === '/oauth2/authorize' && req.method === 'GET') return authorizePage(st, url.searchParams, io);
  if (url.pathname === '/oauth2/authorize' && req.method === 'POST') {
    const form = new URLSearchParams(
      (await io.readAll(64 * 1024, () => new ApiError(413, 'Payload Too Large'))).toString('utf8'),
    );
    return decide(st, form, io);
  }
  if (url.pathname === '/oauth2/token') {
    if (req.method !== 'POST') throw new ApiError(405, 'Method Not Allowed', { Allow: 'POST' });
    return token(st, url, req, io);
  }
  throw new ApiError(404, 'Not Found');
}

// ---- the consent page -------------------------------------------------------------

interface AuthorizeRequest {
  app: SeedApp;
  redirectUri?: string;
  state?: string;
  accessType?: 'offline' | 'online' | 'legacy';
  challenge?: string;
  challengeMethod?: 'S256' | 'plain';
  scopes: string[];
  /** The params as received, carried through the consent form. */
  params: URLSearchParams;
}

class PageError extends Error {}

function parseAuthorize(st: State, p: URLSearchParams): AuthorizeRequest {
  const app = st.world.findApp(p.get('client_id') ?? '');
  if (!app) throw new PageError(`Invalid client_id: "${p.get('client_id') ?? ''}".`);
  const responseType = p.get('response_type');
  if (responseType !== 'code')
    throw new PageError(`Invalid response_type: "${responseType ?? ''}". This sandbox supports "code".`);
  const redirectUri = p.get('redirect_uri') ?? undefined;
  if (redirectUri !== undefined && !app.redirectUris!.includes(redirectUri)) {
    throw new PageError(
      `Invalid redirect_uri: "${redirectUri}". It must exactly match one of the redirect URIs you've pre-configured for your app (including the path).`,
    );
  }
  const state = p.get('state') ?? undefined;
  if (state !== undefined && Buffer.byteLength(state) > 500)
    throw new PageError('Invalid state: it must be at most 500 bytes.');
  const accessType = p.get('token_access_type') ?? undefined;
  if (accessType !== undefined && !['offline', 'online', 'legacy'].includes(accessType)) {
    throw new PageError(`Invalid token_access_type: "${accessType}". Expecting "offline", "online" or "legacy".`);
  }
  const challenge = p.get('code_challenge') ?? undefined;
  const method = p.get('code_challenge_method') ?? undefined;
  if (method !== undefined && method !== 'S256' && method !== 'plain')
    throw new PageError(`Invalid code_challenge_method: "${method}". Expecting "S256" or "plain".`);
  if (method && !challenge) throw new PageError('code_challenge_method given without code_challenge.');
  if (challenge !== undefined && !VERIFIER.test(challenge))
    throw new PageError('Invalid code_challenge: it must be 43-128 characters of [A-Za-z0-9-._~].');
  const allowed = [...app.scopes!, ...app.teamScopes!];
  const scopeParam = p.get('scope');
  const scopes = scopeParam ? scopeParam.split(/\s+/).filter(Boolean) : [...app.scopes!];
  for (const s of scopes)
    if (!allowed.includes(s)) throw new PageError(`Invalid scope: "${s}" is not enabled for this app.`);
  return {
    app,
    redirectUri,
    state,
    accessType: accessType as AuthorizeRequest['accessType'],
    challenge,
    challengeMethod: challenge ? ((method ?? 'plain') as 'S256' | 'plain') : undefined,
    scopes,
    params: p,
  };
}

/** HTML-escapes text for the pages the sandbox renders. */
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)} - Dropbox sandbox</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#1e1919}
h1{font-size:1.4rem}button{font-size:1rem;padding:.5rem 1.2rem;margin-right:.5rem}
#allow{background:#0061fe;color:#fff;border:0;border-radius:4px}code{font-size:1.1rem;background:#f2f2f2;padding:.3rem;word-break:break-all}
.error{color:#b00}</style></head>
<body>${body}</body></html>
`;
}

async function sendPage(io: Io, status: number, title: string, body: string): Promise<void> {
  const html = page(title, body);
  await io.send(
    status,
    {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(html),
      'Cache-Control': 'no-store',
    },
    html,
  );
}

function accountLabel(a: Account): string {
  return `${a.name} (${a.email})${a.team ? ` - ${a.team.name}${a.admin ? ', admin' : ''}` : ''}`;
}

/** The authorize request, or undefined once a malformed one has been answered with an error page. */
async function authorizeRequest(st: State, p: URLSearchParams, io: Io): Promise<AuthorizeRequest | undefined> {
  try {
    return parseAuthorize(st, p);
  } catch (err) {
    if (!(err instanceof PageError)) throw err;
    await sendPage(io, 400, 'Error', `<h1>Error (400)</h1><p class="error" id="error">${esc(err.message)}</p>`);
    return undefined;
  }
}

async function authorizePage(st: State, p: URLSearchParams, io: Io): Promise<void> {
  const r = await authorizeRequest(st, p, io);
  if (!r) return;
  const preselect = p.get('account') ? st.world.findAccount(p.get('account')!) : undefined;
  const hidden = [...p.entries()]
    .filter(([k]) => k !== 'account')
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join('\n');
  const options = st.world.accounts
    .map((a) => `<option value="${esc(a.id)}"${a === preselect ? ' selected' : ''}>${esc(accountLabel(a))}</option>`)
    .join('\n');
  const access =
    r.app.access === 'app_folder'
      ? `its own folder, Apps/${esc(r.app.folder ?? r.app.key)}`
      : 'all files and folders in your Dropbox';
  await sendPage(
    io,
    200,
    `${r.app.name ?? r.app.key} would like access`,
    `<h1 id="title">${esc(r.app.name ?? r.app.key)} would like access to ${access}</h1>
<form id="consent" method="post" action="/oauth2/authorize">
${hidden}
<p><label for="account">Signed in as</label>
<select id="account" name="account">
${options}
</select></p>
<p>Permissions: <span id="scopes">${esc(r.scopes.join(' '))}</span></p>
<p><button type="submit" id="allow" name="decision" value="allow">Allow</button>
<button type="submit" id="deny" name="decision" value="deny">Deny</button></p>
</form>`,
  );
}

function redirect(io: Io, uri: string, params: Record<string, string | undefined>): Promise<void> {
  const u = new URL(uri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) u.searchParams.set(k, v);
  return io.send(302, { Location: u.toString(), 'Content-Length': 0, 'Cache-Control': 'no-store' }, '');
}

async function decide(st: State, form: URLSearchParams, io: Io): Promise<void> {
  const r = await authorizeRequest(st, form, io);
  if (!r) return;
  if (form.get('decision') !== 'allow') {
    const description = 'The user chose not to give your app access to their Dropbox account.';
    if (r.redirectUri)
      return redirect(io, r.redirectUri, { error: 'access_denied', error_description: description, state: r.state });
    return sendPage(io, 200, 'Access denied', `<h1>Access denied</h1><p id="denied">${esc(description)}</p>`);
  }
  // No account chosen: the first one, as a browser signed in to one account would be.
  // A named account that does not exist is an error, never silently someone else.
  const chosen = form.get('account');
  const account = chosen ? st.world.findAccount(chosen) : st.world.accounts[0];
  if (!account) {
    const why = chosen ? `There is no account '${esc(chosen)}' in this sandbox.` : 'No account to sign in with.';
    return sendPage(io, 400, 'Error', `<p class="error" id="error">${why}</p>`);
  }
  const wantsTeam = r.scopes.some((s) => r.app.teamScopes!.includes(s));
  if (wantsTeam && !(account.team && account.admin)) {
    return sendPage(
      io,
      403,
      'Error',
      `<p class="error" id="error">${esc(accountLabel(account))} is not a team admin; only a team admin can link an app with team scopes.</p>`,
    );
  }
  const code = st.tokens.newCode({
    app: r.app,
    account,
    team: wantsTeam ? account.team : undefined,
    scopes: r.scopes,
    redirectUri: r.redirectUri,
    challenge: r.challenge,
    challengeMethod: r.challengeMethod,
    accessType: r.accessType ?? 'online',
  });
  if (r.redirectUri) return redirect(io, r.redirectUri, { code: code.code, state: r.state });
  return sendPage(
    io,
    200,
    'Enter this code',
    `<h1>Enter this code into ${esc(r.app.name ?? r.app.key)} to finish the process</h1><p><code id="code">${esc(code.code)}</code></p>`,
  );
}

// ---- the token endpoint -------------------------------------------------------------

function oauthError(error: string, description: string): ApiError {
  return new ApiError(400, { error, error_description: description });
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

async function token(st: State, url: URL, req: IncomingMessage, io: Io): Promise<void> {
  // Parameters may come in the query (the JS SDK), a form body, or a JSON body.
  const p = new URLSearchParams(url.search);
  const raw = (await io.readAll(64 * 1024, () => oauthError('invalid_request', 'request body too large'))).toString(
    'utf8',
  );
  if (raw.trim()) {
    if (/^\s*\{/.test(raw)) {
      try {
        for (const [k, v] of Object.entries(JSON.parse(raw) as Record<string, unknown>))
          if (typeof v === 'string') p.set(k, v);
      } catch {
        throw oauthError('invalid_request', 'request body could not be parsed');
      }
    } else for (const [k, v] of new URLSearchParams(raw)) p.set(k, v);
  }
  let clientId = p.get('client_id') ?? undefined;
  let secret = p.get('client_secret') ?? undefined;
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    const [id, sec] = i < 0 ? [decoded, ''] : [decoded.slice(0, i), decoded.slice(i + 1)];
    if (clientId !== undefined && clientId !== id)
      throw oauthError('invalid_request', 'client_id in the body and the Authorization header differ');
    clientId = id;
    secret = sec;
  }
  const grantType = p.get('grant_type');
  if (!grantType) throw oauthError('invalid_request', 'No grant_type provided');
  if (grantType !== 'authorization_code' && grantType !== 'refresh_token')
    throw oauthError('unsupported_grant_type', `grant_type "${grantType}" is not supported`);
  if (!clientId) throw oauthError('invalid_request', 'No auth function available for given request');
  const app = st.world.findApp(clientId);
  if (!app) throw oauthError('invalid_client', 'Invalid client_id or client_secret');
  if (secret !== undefined && !(app.secret !== undefined && same(secret, app.secret)))
    throw oauthError('invalid_client', 'Invalid client_id or client_secret');

  let body: Record<string, unknown>;
  if (grantType === 'authorization_code') body = exchangeCode(st, app, p, secret !== undefined);
  else body = refresh(st, app, p, secret !== undefined);
  const json = JSON.stringify(body);
  await io.send(
    200,
    { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json), 'Cache-Control': 'no-store' },
    json,
  );
}

function exchangeCode(st: State, app: SeedApp, p: URLSearchParams, hasSecret: boolean): Record<string, unknown> {
  const codeText = p.get('code');
  if (!codeText) throw oauthError('invalid_request', 'No auth code provided');
  const code: AuthCode | undefined = st.tokens.takeCode(codeText);
  if (!code) throw oauthError('invalid_grant', "code doesn't exist or has expired");
  if (code.app !== app) throw oauthError('invalid_grant', 'code was issued to a different client_id');
  if ((p.get('redirect_uri') ?? undefined) !== code.redirectUri)
    throw oauthError('invalid_grant', 'redirect_uri mismatch');
  const verifier = p.get('code_verifier') ?? undefined;
  if (code.challenge) {
    if (!verifier) throw oauthError('invalid_request', 'code_verifier is required: the authorization used PKCE');
    if (!VERIFIER.test(verifier))
      throw oauthError('invalid_request', 'code_verifier must be 43-128 characters of [A-Za-z0-9-._~]');
    const derived =
      code.challengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
    if (!same(derived, code.challenge)) throw oauthError('invalid_grant', 'invalid code verifier');
  } else if (!hasSecret) {
    throw oauthError('invalid_client', 'client_secret is required: the authorization did not use PKCE');
  }
  const grant = st.tokens.newGrant(
    {
      app,
      account: code.team ? undefined : code.account,
      team: code.team,
      scopes: code.scopes,
      pkce: !!code.challenge,
    },
    code.accessType === 'offline',
  );
  if (!code.team && app.access === 'app_folder') st.world.appFolder(code.account, app);
  const legacy = code.accessType === 'legacy';
  const t = st.tokens.mintAccess(grant, undefined, legacy);
  return {
    access_token: t.token,
    token_type: 'bearer',
    ...(legacy ? {} : { expires_in: st.tokens.defaultTtlSeconds }),
    ...(grant.refreshToken ? { refresh_token: grant.refreshToken } : {}),
    scope: grant.scopes.join(' '),
    ...(code.team ? { team_id: code.team.id } : { uid: code.account.home.nsId, account_id: code.account.id }),
  };
}

function refresh(st: State, app: SeedApp, p: URLSearchParams, hasSecret: boolean): Record<string, unknown> {
  const rt = p.get('refresh_token');
  if (!rt) throw oauthError('invalid_request', 'No refresh_token provided');
  const grant: Grant | undefined = st.tokens.findRefresh(rt);
  if (!grant || grant.revoked) throw oauthError('invalid_grant', 'refresh token is invalid or revoked');
  if (grant.app !== app) throw oauthError('invalid_grant', 'refresh token was issued to a different client_id');
  if (!grant.pkce && !hasSecret) throw oauthError('invalid_client', 'client_secret is required to refresh this token');
  const scopeParam = p.get('scope');
  const scopes = scopeParam ? scopeParam.split(/\s+/).filter(Boolean) : grant.scopes;
  for (const s of scopes)
    if (!grant.scopes.includes(s)) throw oauthError('invalid_scope', `scope "${s}" was not granted`);
  const t = st.tokens.mintAccess(grant, undefined, false, scopes);
  return { access_token: t.token, token_type: 'bearer', expires_in: st.tokens.defaultTtlSeconds };
}
