// The JSON API client: CSRF header on every change, If-Match for edits based on a version,
// errors as ApiError with the server's words.
import { state } from './state.js';

/** What the page does when the daemon cannot be reached, or the session is gone; set by app.js. */
export const apiEvents = { unreachable: () => {}, signedOut: () => {} };

/** `problems`: what the server could tie to a field ({ path, message, line?, col? }). */
export class ApiError extends Error {
  constructor(status, message, problems) {
    super(message);
    this.status = status;
    this.problems = problems;
  }
}
/** `version`: the ETag an edit is based on (sent as If-Match; a stale one gets 409). */
export async function api(method, path, body, version) {
  const headers = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET' && state.csrf) headers['x-csrf-token'] = state.csrf;
  if (version) headers['if-match'] = `"${version}"`;
  let res;
  try {
    res = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
    });
  } catch {
    // The daemon is down or restarting: say so, and let the event stream find it again.
    apiEvents.unreachable();
    throw new ApiError(0, 'dropcron cannot be reached; reconnecting');
  }
  if (res.status === 204) return null;
  const data = await res.json().catch(() => ({}));
  if (res.status === 401 && path !== '/api/session') {
    apiEvents.signedOut();
    throw new ApiError(401, 'sign in first');
  }
  if (!res.ok) throw new ApiError(res.status, data.error || `${res.status} ${res.statusText}`, data.problems);
  return data;
}
