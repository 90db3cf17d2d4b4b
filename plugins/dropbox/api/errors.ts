// One error model for everything the connector throws. Each failure becomes a
// DropboxError subclass carrying the route, HTTP status, the `.tag` chain, the
// summary, the request id, whether a retry could help, and a one-line message
// that says what to do. Callers branch on the class or on `tags`, never on text.
import { formatBytes, oneLine } from '../../../src/plugin.ts';
import type { CodedError, ErrorKind } from '../../../src/plugin.ts';
import { dropboxErrors, type DropboxErrorCode } from '../error-codes.ts';
import type { RootInfo } from './types.ts';

export interface ErrorFields {
  route: string;
  status?: number;
  tags?: string[];
  summary?: string;
  requestId?: string;
  retryable?: boolean;
  /** Milliseconds the server asked us to wait (Retry-After / retry_after). */
  retryAfterMs?: number;
  /** The decoded `error` union, for callers that need a field we do not model. */
  error?: unknown;
  cause?: unknown;
  /** The catalogue code, when it is not the class's own (error-codes.ts). */
  code?: DropboxErrorCode;
}

export class DropboxError extends Error implements CodedError {
  /** Each class's catalogue code (error-codes.ts); an instance may name a narrower one. */
  static code: DropboxErrorCode = 'DBX_UNEXPECTED';
  readonly code: DropboxErrorCode;
  /** From the catalogue, by code: what a retry of the whole job can do. */
  readonly kind: ErrorKind;
  readonly route: string;
  /** HTTP status; 0 when no response came back (network, local validation). */
  readonly status: number;
  /** The `.tag` chain, e.g. ['path', 'conflict', 'file']. */
  readonly tags: string[];
  readonly summary: string;
  readonly requestId?: string;
  readonly retryable: boolean;
  readonly retryAfterMs?: number;
  readonly error?: unknown;
  /** How many attempts the transport made before giving up (set by http.ts). */
  attempts = 1;

  constructor(message: string, f: ErrorFields) {
    super(message, f.cause !== undefined ? { cause: f.cause } : undefined);
    this.name = new.target.name;
    this.code = f.code ?? (new.target as typeof DropboxError).code;
    this.kind = dropboxErrors[this.code].kind;
    this.route = f.route;
    this.status = f.status ?? 0;
    this.tags = f.tags ?? [];
    this.summary = f.summary ?? this.tags.join('/');
    this.requestId = f.requestId;
    this.retryable = f.retryable ?? false;
    this.retryAfterMs = f.retryAfterMs;
    this.error = f.error;
  }

  /** True when the tag chain starts with `prefix` (e.g. has('path', 'not_found')). */
  has(...prefix: string[]): boolean {
    return prefix.every((t, i) => this.tags[i] === t);
  }

  /** True when `tag` appears anywhere in the chain. */
  mentions(tag: string): boolean {
    return this.tags.includes(tag);
  }
}

// --- auth (401) and grants -------------------------------------------------------
export class AuthError extends DropboxError {
  static override code: DropboxErrorCode = 'DBX_NOT_AUTHORISED';
}
/** expired_access_token: the client refreshes once and replays. */
export class ExpiredTokenError extends AuthError {
  static override code: DropboxErrorCode = 'DBX_TOKEN_EXPIRED';
}
export class InvalidTokenError extends AuthError {
  static override code: DropboxErrorCode = 'DBX_TOKEN_INVALID';
}
export class MissingScopeError extends AuthError {
  static override code: DropboxErrorCode = 'DBX_MISSING_SCOPE';
  constructor(
    readonly requiredScope: string,
    f: ErrorFields,
  ) {
    super(
      `${f.route}: the connection's token lacks the scope '${requiredScope}': add it to the connection's scopes (and, for a custom app, enable it in the App Console's Permissions tab), then sign in again with ${requiredScope} (existing tokens keep their old scopes)`,
      f,
    );
  }
}
/** The refresh token is revoked or invalid: terminal until the user reconnects. */
export class InvalidGrantError extends AuthError {
  static override code: DropboxErrorCode = 'DBX_GRANT_REVOKED';
}

// --- request shape, access, roots -------------------------------------------------
/** 400 with a plain-text body: the request itself is malformed. Never retried. */
export class BadInputError extends DropboxError {
  static override code: DropboxErrorCode = 'DBX_BAD_REQUEST';
}
/** 403: the account type, team policy or app does not allow this. */
export class AccessError extends DropboxError {
  static override code: DropboxErrorCode = 'DBX_ACCESS_DENIED';
}
/** 422 invalid_root / no_permission for Dropbox-API-Path-Root. */
export class PathRootError extends DropboxError {
  static override code: DropboxErrorCode = 'DBX_PATH_ROOT';
  constructor(
    message: string,
    f: ErrorFields,
    readonly rootInfo?: RootInfo,
  ) {
    super(message, f);
  }
}

// --- throttling and server trouble -------------------------------------------------
/** 429 too_many_requests, or too_many_write_operations (429 or in a 409 union). */
export class RateLimitError extends DropboxError {
  static override code: DropboxErrorCode = 'DBX_RATE_LIMITED';
}
export class ServerError extends DropboxError {
  static override code: DropboxErrorCode = 'DBX_SERVER_ERROR';
}
/** No response: connection refused/reset, timeout, proxy failure. */
export class NetworkError extends DropboxError {
  static override code: DropboxErrorCode = 'DBX_NETWORK';
  constructor(
    message: string,
    f: ErrorFields,
    /** The system error code (ECONNREFUSED, ...), when there was one. */
    readonly errno?: string,
  ) {
    super(message, f);
  }
}
/** The proxy refused us (bad credentials, unreachable, tunnel denied): one line naming the proxy. */
export class ProxyError extends NetworkError {
  static override code: DropboxErrorCode = 'DBX_PROXY';
}

// --- route errors (409) ------------------------------------------------------------
/** Any endpoint-specific error union (HTTP 409). */
export class RouteError extends DropboxError {
  static override code: DropboxErrorCode = 'DBX_ROUTE_ERROR';
}
export class NotFoundError extends RouteError {
  static override code: DropboxErrorCode = 'DBX_NOT_FOUND';
}
export class ConflictError extends RouteError {
  static override code: DropboxErrorCode = 'DBX_CONFLICT';
  constructor(
    message: string,
    f: ErrorFields,
    readonly path?: string,
  ) {
    super(message, f);
  }
}
export class InsufficientSpaceError extends RouteError {
  static override code: DropboxErrorCode = 'DBX_INSUFFICIENT_SPACE';
  constructor(
    message: string,
    f: ErrorFields,
    readonly neededBytes?: number,
  ) {
    super(message, f);
  }
}
export class MalformedPathError extends RouteError {
  static override code: DropboxErrorCode = 'DBX_MALFORMED_PATH';
}
/** upload session lookup_failed/incorrect_offset: the server says where it is. */
export class IncorrectOffsetError extends RouteError {
  static override code: DropboxErrorCode = 'DBX_INCORRECT_OFFSET';
  constructor(
    message: string,
    f: ErrorFields,
    readonly correctOffset: number,
  ) {
    super(message, f);
  }
}

// --- local checks --------------------------------------------------------------------
/** A path that failed validation before any request was made. */
export class InvalidPathError extends DropboxError {
  static override code: DropboxErrorCode = 'DBX_INVALID_PATH';
  constructor(
    readonly path: string,
    why: string,
    route: string,
  ) {
    super(`${route}: invalid Dropbox path ${JSON.stringify(path)}: ${why}`, {
      route,
      tags: ['path', 'malformed_path'],
    });
  }
}
/** The local content_hash differs from Dropbox's: the data was not stored/fetched intact. */
export class IntegrityError extends DropboxError {
  static override code: DropboxErrorCode = 'DBX_INTEGRITY';
}
/** A listing stopped early; the entries seen so far are not the whole folder. */
export class IncompleteListingError extends DropboxError {
  static override code: DropboxErrorCode = 'DBX_INCOMPLETE_LISTING';
}
/** The local disk refused a download (full, quota, read-only, permission): the user's to fix, never retried. */
export class LocalWriteError extends DropboxError {
  static override code: DropboxErrorCode = 'DBX_LOCAL_WRITE';
}

/** The `.tag` chain of a Stone union, following named members, `reason` and inlined structs. */
export function tagChain(u: unknown): string[] {
  const out: string[] = [];
  let cur: unknown = u;
  for (let depth = 0; depth < 8 && cur && typeof cur === 'object'; depth++) {
    const o = cur as Record<string, unknown>;
    const tag = o['.tag'];
    if (typeof tag === 'string') {
      out.push(tag);
      const inner = o[tag];
      if (inner && typeof inner === 'object') cur = inner;
      else if (typeof inner === 'string') {
        out.push(inner);
        break;
      } else if (o.reason && typeof o.reason === 'object')
        cur = o.reason; // inlined UploadWriteFailed
      else break;
    } else if (o.reason && typeof o.reason === 'object') {
      cur = o.reason; // UploadWriteFailed{reason}, RateLimitError{reason}
    } else break;
  }
  return out;
}

/** Tags from `error_summary` ("path/conflict/file/..."): the fallback when the body has no union. */
export function tagsFromSummary(summary: string): string[] {
  return summary
    .split('/')
    .map((s) => s.trim())
    .filter((s) => s !== '' && !/^\.+$/.test(s) && !/^\.*\d*$/.test(s));
}

export interface ResponseFacts {
  route: string;
  status: number;
  body: string;
  contentType?: string;
  requestId?: string;
  retryAfter?: string;
  /** Paths the call was about, to name in messages. */
  paths?: string[];
  /** Bytes the call wanted to store (for insufficient_space). */
  bytes?: number;
}

/** An error union from inside a 200 reply (batch entries) as the matching DropboxError. */
export function errorFromUnion(route: string, failure: unknown, paths?: string[], bytes?: number): DropboxError {
  const tags = tagChain(failure);
  return errorFromResponse({
    route,
    status: 409,
    body: JSON.stringify({ error: failure, error_summary: tags.join('/') }),
    contentType: 'application/json',
    paths,
    bytes,
  });
}

/** Turns a non-2xx Dropbox response into the matching DropboxError. */
export function errorFromResponse(r: ResponseFacts): DropboxError {
  const { route, status } = r;
  let json:
    | { error?: unknown; error_summary?: string; user_message?: { text?: string }; error_description?: string }
    | undefined;
  if (r.body && (r.contentType?.includes('json') || r.body.trimStart().startsWith('{'))) {
    try {
      json = JSON.parse(r.body);
    } catch {
      json = undefined;
    }
  }
  const error = json?.error;
  let tags = tagChain(error);
  const summary = json?.error_summary ?? (typeof error === 'string' ? error : tags.join('/'));
  if (!tags.length && json?.error_summary) tags = tagsFromSummary(json.error_summary);
  if (!tags.length && typeof error === 'string') tags = [error];
  const retryAfterMs = retryAfterToMs(r.retryAfter, (error as { retry_after?: number } | undefined)?.retry_after);
  const f: ErrorFields = { route, status, tags, summary, requestId: r.requestId, error, retryAfterMs };
  const where = r.paths?.length ? ` ${r.paths.map((p) => JSON.stringify(p)).join(' -> ')}` : '';
  const rid = r.requestId ? ` (request ${r.requestId})` : '';
  const text = oneLine(r.body, 300);

  if (status === 400) {
    if (tags[0] === 'invalid_grant' || (error as string) === 'invalid_grant') {
      return new InvalidGrantError(
        `${route}: the refresh token is invalid or revoked (${oneLine(json?.error_description ?? '') || 'invalid_grant'}); reconnect this connection to sign in again`,
        { ...f, tags: ['invalid_grant'] },
      );
    }
    return new BadInputError(`${route}: Dropbox rejected the request as malformed: ${text || 'bad input'}${rid}`, {
      ...f,
      tags: tags.length ? tags : ['bad_input'],
      summary: text,
    });
  }
  if (status === 401) {
    if (tags[0] === 'expired_access_token')
      return new ExpiredTokenError(`${route}: the access token has expired`, { ...f, retryable: true });
    if (tags[0] === 'missing_scope') {
      const scope =
        (error as { required_scope?: string; missing_scope?: { required_scope?: string } }).required_scope ??
        (error as { missing_scope?: { required_scope?: string } }).missing_scope?.required_scope ??
        'unknown';
      return new MissingScopeError(scope, f);
    }
    if (tags[0] === 'invalid_access_token')
      return new InvalidTokenError(`${route}: the access token is invalid or revoked; reconnect this connection`, f);
    if (tags[0] === 'invalid_select_user')
      return new AuthError(
        `${route}: the team member in business.selectUser is not valid for this team token (${summary})`,
        f,
      );
    if (tags[0] === 'invalid_select_admin')
      return new AuthError(
        `${route}: the admin in business.selectAdmin is not a team admin for this token (${summary})`,
        f,
      );
    if (tags[0] === 'user_suspended') return new AuthError(`${route}: the Dropbox user is suspended`, f);
    return new AuthError(`${route}: not authorised: ${summary || text}${rid}`, f);
  }
  if (status === 403) {
    return new AccessError(
      `${route}: access denied by Dropbox (${summary || text}): the account type, team policy or app permissions do not allow this${rid}`,
      f,
    );
  }
  if (status === 422) {
    const info =
      tags[0] === 'invalid_root'
        ? ((error as Record<string, unknown>).invalid_root as RootInfo | undefined)
        : undefined;
    const msg =
      tags[0] === 'invalid_root'
        ? `${route}: the team space root changed (joined or left a team); the root was refreshed`
        : `${route}: no permission for the namespace in business.pathRoot (${summary})`;
    return new PathRootError(msg, f, info);
  }
  if (status === 429 || tags.includes('too_many_write_operations') || tags.includes('too_many_requests')) {
    const what = tags.includes('too_many_write_operations')
      ? 'too many write operations in this namespace (lock contention)'
      : 'rate limited by Dropbox';
    return new RateLimitError(
      `${route}:${where} ${what}${retryAfterMs !== undefined ? `; retry after ${Math.round(retryAfterMs / 1000)} s` : ''}`,
      { ...f, retryable: true, tags: tags.length ? tags : ['too_many_requests'] },
    );
  }
  if (status >= 500) {
    return new ServerError(`${route}: Dropbox server error ${status}${text ? `: ${text}` : ''}${rid}`, {
      ...f,
      retryable: true,
      tags: tags.length ? tags : [`http_${status}`],
    });
  }
  if (status === 409) return routeError(f, r, where, rid);
  return new DropboxError(`${route}: unexpected HTTP ${status}: ${text}${rid}`, f);
}

function routeError(f: ErrorFields, r: ResponseFacts, where: string, rid: string): DropboxError {
  const tags = f.tags ?? [];
  const route = f.route;
  const target = r.paths?.[r.paths.length - 1];
  if (tags.includes('insufficient_space') || tags.includes('insufficient_quota')) {
    const need = r.bytes !== undefined ? ` (needs ${formatBytes(r.bytes)} free)` : '';
    return new InsufficientSpaceError(
      `${route}:${where} the Dropbox account is out of space${need}; free space or upgrade the plan`,
      f,
      r.bytes,
    );
  }
  const i = tags.indexOf('conflict');
  if (i >= 0) {
    const kind = tags[i + 1] ?? 'file';
    const there =
      kind === 'folder' ? 'a folder' : kind === 'file_ancestor' ? 'a file in place of a parent folder' : 'a file';
    const fix =
      kind === 'file'
        ? "use mode 'overwrite' to replace it, or autorename to keep both"
        : kind === 'folder'
          ? 'a file cannot replace a folder; choose another path or delete the folder first'
          : 'a parent of the path is a file; choose another path';
    return new ConflictError(
      `${route}: ${target ? JSON.stringify(target) : 'the target'} already exists (${there} is there); ${fix}`,
      f,
      target,
    );
  }
  const off = tags.indexOf('incorrect_offset');
  if (off >= 0) {
    const correct = findNumber(f.error, 'correct_offset') ?? -1;
    // Not retried as is: upload.ts resyncs from correct_offset (the last reply was probably lost).
    return new IncorrectOffsetError(`${route}: upload session is at offset ${correct}`, f, correct);
  }
  if (tags.includes('not_found')) return new NotFoundError(`${route}:${where} not found`, f);
  if (tags.includes('malformed_path'))
    return new MalformedPathError(`${route}:${where} Dropbox says the path is malformed`, f);
  if (tags.includes('disallowed_name'))
    return new RouteError(`${route}:${where} Dropbox does not allow this file name (e.g. desktop.ini, .DS_Store)`, f);
  if (tags.includes('no_write_permission'))
    return new RouteError(`${route}:${where} no write permission here (read-only shared folder?)`, f);
  if (tags.includes('content_hash_mismatch'))
    return new IntegrityError(
      `${route}:${where} Dropbox received different bytes than were sent (content_hash_mismatch); nothing was stored`,
      f,
    );
  if (tags.includes('internal_error'))
    return new RouteError(`${route}:${where} Dropbox internal error (${f.summary})${rid}`, { ...f, retryable: true });
  return new RouteError(`${route}:${where} ${f.summary || 'failed'}${rid}`, f);
}

function findNumber(u: unknown, key: string, depth = 0): number | undefined {
  if (!u || typeof u !== 'object' || depth > 6) return undefined;
  const o = u as Record<string, unknown>;
  if (typeof o[key] === 'number') return o[key] as number;
  for (const v of Object.values(o)) {
    const n = findNumber(v, key, depth + 1);
    if (n !== undefined) return n;
  }
  return undefined;
}

function retryAfterToMs(header: string | undefined, bodySeconds: number | undefined): number | undefined {
  if (header !== undefined && header !== '') {
    const s = Number(header);
    if (Number.isFinite(s)) return Math.max(0, s * 1000);
    const at = Date.parse(header);
    if (Number.isFinite(at)) return Math.max(0, at - Date.now());
  }
  return typeof bodySeconds === 'number' ? bodySeconds * 1000 : undefined;
}
