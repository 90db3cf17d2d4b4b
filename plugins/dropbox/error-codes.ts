// The Dropbox plugin's error catalogue: every error it can hand the core, with the kind
// that decides retries (src/errors.ts says what each kind means). The classes in
// api/errors.ts, auth/errors.ts and the tasks carry these codes; ERRORS.md is generated
// from this table and the core's.
import { DropcronError, type ErrorCatalogue, type ErrorKind } from '../../src/plugin.ts';

export const dropboxErrors = {
  DBX_UNEXPECTED: {
    kind: 'no-retry',
    meaning: 'Dropbox answered with an HTTP status its API does not document for this call.',
    fix: 'Report it with the request id in the message.',
  },
  DBX_NOT_AUTHORISED: {
    kind: 'fatal',
    meaning: 'Dropbox refused the token (suspended user, wrong team member or admin).',
    fix: 'Check business.selectUser / selectAdmin, or reconnect the connection.',
  },
  DBX_TOKEN_EXPIRED: {
    kind: 'transient',
    meaning: 'The access token expired; it is refreshed and the call repeated.',
    fix: 'Nothing; only seen when a refresh fails right after.',
  },
  DBX_TOKEN_INVALID: {
    kind: 'fatal',
    meaning: 'The access token is invalid or was revoked.',
    fix: 'Reconnect the connection (`dropcron auth <name>` or the admin UI).',
  },
  DBX_MISSING_SCOPE: {
    kind: 'fatal',
    meaning: "The connection's token lacks a permission (scope) the call needs, e.g. sharing.write for shared links.",
    fix: "Add the scope to the connection's scopes (for a custom app also enable it in the App Console), then sign in again: existing tokens keep their old scopes.",
  },
  DBX_GRANT_REVOKED: {
    kind: 'fatal',
    meaning: 'The refresh token is invalid or revoked: the connection needs signing in again.',
    fix: 'Reconnect the connection (`dropcron auth <name>` or the admin UI).',
  },
  DBX_NEEDS_AUTH: {
    kind: 'fatal',
    meaning: 'The connection was never signed in, or its sign-in was withdrawn.',
    fix: 'Sign it in: `dropcron auth <name>` or the admin UI.',
  },
  DBX_SIGN_IN_FAILED: {
    kind: 'user',
    meaning: 'A sign-in did not complete (denied, expired, or its state did not match).',
    fix: 'Start the sign-in again and finish it within 10 minutes in the same browser.',
  },
  DBX_OAUTH: {
    kind: 'no-retry',
    meaning: "Dropbox's OAuth endpoint refused a code exchange, refresh or revoke.",
    fix: 'Follow the message: usually a wrong app key/secret or redirect URL in the connection.',
  },
  DBX_SETUP: {
    kind: 'user',
    meaning: 'The connection cannot be used as written (no app key, a missing app secret).',
    fix: 'Complete the connection file or its form in the admin UI.',
  },
  DBX_BAD_REQUEST: {
    kind: 'no-retry',
    meaning: 'Dropbox rejected the request as malformed.',
    fix: 'Report it with the request id in the message.',
  },
  DBX_ACCESS_DENIED: {
    kind: 'fatal',
    meaning: 'The account type, team policy or app permissions do not allow the call.',
    fix: 'Ask the team admin, or use an app with the right access type.',
  },
  DBX_PATH_ROOT: {
    kind: 'no-retry',
    meaning: 'The team space root in business.pathRoot changed or is not allowed.',
    fix: 'Check business.pathRoot; run `dropcron connections test <name>` to see the roots.',
  },
  DBX_RATE_LIMITED: {
    kind: 'transient',
    meaning: 'Dropbox throttled the calls (too many requests or write operations).',
    fix: 'Nothing; dropcron waits as told. Fewer jobs at once on one account helps.',
  },
  DBX_SERVER_ERROR: {
    kind: 'transient',
    meaning: 'Dropbox had a server error (5xx).',
    fix: 'Nothing; retried. See status.dropbox.com if it lasts.',
  },
  DBX_NETWORK: {
    kind: 'transient',
    meaning: 'No answer from Dropbox: connection refused or reset, DNS, timeout.',
    fix: 'Check the network or the proxy settings named in the message.',
  },
  DBX_PROXY: {
    kind: 'transient',
    meaning: 'The proxy could not be reached or refused the tunnel.',
    fix: 'Check the proxy host and port in the connection.',
  },
  DBX_PROXY_AUTH: {
    kind: 'user',
    meaning: 'The proxy rejected the credentials (401/407).',
    fix: "Correct the connection's proxy username and password.",
  },
  DBX_ROUTE_ERROR: {
    kind: 'no-retry',
    meaning: 'Dropbox refused the call for this path (its error union says why).',
    fix: 'Follow the message.',
  },
  DBX_NOT_FOUND: {
    kind: 'no-retry',
    meaning: 'The file or folder does not exist in Dropbox.',
    fix: 'Check the path (Dropbox paths are case-insensitive, start with /).',
  },
  DBX_CONFLICT: {
    kind: 'no-retry',
    meaning: 'Something is already at the path (a file where a folder is wanted, or the other way).',
    fix: 'Rename or remove it, or choose another overwrite policy.',
  },
  DBX_INSUFFICIENT_SPACE: {
    kind: 'fatal',
    meaning: "The Dropbox account (or the member's share of the team space) is full.",
    fix: 'Free space or upgrade the plan; the message says how much is needed.',
  },
  DBX_MALFORMED_PATH: {
    kind: 'user',
    meaning: 'Dropbox refused the path or name (characters it does not allow, too long).',
    fix: 'Rename the file, or let the task sanitise names.',
  },
  DBX_INCORRECT_OFFSET: {
    kind: 'transient',
    meaning: "An upload session and dropcron disagreed on how much was sent; it resumes from the server's offset.",
    fix: 'Nothing; only seen when the resume fails too.',
  },
  DBX_INVALID_PATH: {
    kind: 'user',
    meaning: 'A path in a job is not a valid Dropbox path (no leading /, `..`, empty parts).',
    fix: 'Correct the path in the job file.',
  },
  DBX_INTEGRITY: {
    kind: 'transient',
    meaning: "The bytes stored or fetched do not match Dropbox's content_hash.",
    fix: 'Nothing; the transfer is retried. If it repeats, the file changed while being read.',
  },
  DBX_INCOMPLETE_LISTING: {
    kind: 'transient',
    meaning: 'A folder listing stopped part-way; nothing was decided from it.',
    fix: 'Nothing; the next run lists again.',
  },
  DBX_LOCAL_WRITE: {
    kind: 'fatal',
    meaning: 'The local disk refused a download (full, quota, read-only, permission).',
    fix: 'Free space or fix the permissions of the folder named in the message.',
  },
  DBX_TASK_INPUT: {
    kind: 'user',
    meaning: "A task's options cannot work here (a missing source folder, a target that is a file).",
    fix: 'Correct the task in the job file.',
  },
  DBX_DELETE_GUARD: {
    kind: 'fatal',
    meaning:
      'A delete (or a sync removing extraneous files) would remove more than maxDelete entries, or more than maxDeleteShare percent of the target, so nothing was deleted.',
    fix: 'Check with `dropcron run <job> --dry-run`; raise maxDelete or maxDeleteShare if it is intended.',
  },
  DBX_ITEMS_FAILED: {
    kind: 'transient',
    meaning: 'Some files of a task failed; the rest were done. The kind is the worst of the failures.',
    fix: 'See each failure in the run log.',
  },
} as const satisfies ErrorCatalogue;

export type DropboxErrorCode = keyof typeof dropboxErrors;

/** An error of this catalogue that has no class of its own (task input, the delete guard). */
export function pluginError(code: DropboxErrorCode, message: string): DropcronError {
  return new DropcronError(code, dropboxErrors[code].kind, message);
}

const WORST: readonly ErrorKind[] = ['fatal', 'user', 'no-retry', 'transient'];

/**
 * The kind of several failures together: a retry of the job helps only if every failure
 * is one a retry can fix; one full account makes the lot fatal.
 */
export function worstKind(kinds: ErrorKind[]): ErrorKind {
  return WORST.find((k) => kinds.includes(k)) ?? 'transient';
}
