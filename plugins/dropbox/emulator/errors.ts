// Errors the emulator answers with, in Dropbox's shapes: 400 plain text for bad input,
// 401 AuthError, 409 route errors with error_summary, 422 PathRootError, 429 RateLimitError,
// 5xx plain text. Handlers throw ApiError; the server writes it.

export type Tagged = { '.tag': string; [k: string]: unknown };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    /** A string is sent as text/plain, anything else as JSON. */
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(typeof body === 'string' ? body : JSON.stringify(body));
  }
}

/** Thrown after the emulator destroyed the socket on purpose: nothing more is written. */
export class ConnectionDropped extends Error {}

/** error_summary: the tag chain (following nested and inlined unions), then padding. */
export function errorSummary(err: Tagged): string {
  const tags: string[] = [];
  let cur: unknown = err;
  while (cur && typeof cur === 'object' && '.tag' in cur) {
    const obj = cur as Tagged;
    tags.push(obj['.tag']);
    const inner = obj[obj['.tag']];
    cur =
      inner && typeof inner === 'object'
        ? inner
        : Object.values(obj).find((v) => v && typeof v === 'object' && '.tag' in (v as object));
  }
  return `${tags.join('/')}/..`;
}

export function badRequest(route: string, message: string): ApiError {
  return new ApiError(400, `Error in call to API function "${route}": ${message}`);
}

/** 409 with the route's error union. */
export function routeError(error: Tagged): ApiError {
  return new ApiError(409, { error_summary: errorSummary(error), error });
}

export function authError(error: Tagged): ApiError {
  return new ApiError(401, { error_summary: errorSummary(error), error });
}

export function rateLimited(reason: 'too_many_requests' | 'too_many_write_operations', retryAfter: number): ApiError {
  return new ApiError(
    429,
    { error_summary: `${reason}/..`, error: { reason: { '.tag': reason }, retry_after: retryAfter } },
    { 'Retry-After': String(retryAfter) },
  );
}

export function serverError(status: number): ApiError {
  const text = status === 503 ? 'Service Unavailable' : status === 502 ? 'Bad Gateway' : 'Internal Server Error';
  return new ApiError(status, text);
}

// Unions used by many routes.
export const tag = (t: string, extra: Record<string, unknown> = {}): Tagged => ({ '.tag': t, ...extra });
/** A union member whose value is itself a union or primitive nests under its own name (an absent optional value is left out). */
export const nest = (t: string, inner: unknown): Tagged =>
  inner === null || inner === undefined ? { '.tag': t } : { '.tag': t, [t]: inner };

/** Errors of the storage layer, before a route wraps them in its own union. */
export class LookupFailure extends Error {
  constructor(readonly error: Tagged) {
    super(error['.tag']);
  }
}
export class WriteFailure extends Error {
  constructor(readonly error: Tagged) {
    super(error['.tag']);
  }
}
