// Errors of the sign-in and token machinery. Each message is one line a person can act
// on: what Dropbox said and what to do about it. None ever carries a token or secret.
// Each carries its catalogue code and kind (error-codes.ts), which the core acts on.
import { DropcronError } from '../../../src/plugin.ts';
import { dropboxErrors, type DropboxErrorCode } from '../error-codes.ts';

/** Base of the plugin's non-HTTP errors: the kind always comes from the code. */
abstract class CodedPluginError extends DropcronError {
  declare readonly code: DropboxErrorCode;
  constructor(code: DropboxErrorCode, message: string) {
    super(code, dropboxErrors[code].kind, message);
  }
}

/** A flow that ended (bad state, denied, failed exchange): nothing was stored. */
export class AuthFlowError extends CodedPluginError {
  override name = 'AuthFlowError';
  constructor(message: string) {
    super('DBX_SIGN_IN_FAILED', message);
  }
}

/** An answer from Dropbox's OAuth endpoints: `error` is Dropbox's `error` field (or network, proxy_auth). */
export class OAuthError extends CodedPluginError {
  override name = 'OAuthError';
  constructor(
    message: string,
    readonly error: string,
    readonly status?: number,
  ) {
    super(oauthCode(error, status), message);
  }
}

function oauthCode(error: string, status?: number): DropboxErrorCode {
  if (error === 'invalid_grant') return 'DBX_GRANT_REVOKED';
  if (error === 'network') return 'DBX_NETWORK';
  if (error === 'proxy_auth') return 'DBX_PROXY_AUTH';
  if (status !== undefined && (status >= 500 || status === 429)) return 'DBX_SERVER_ERROR';
  return 'DBX_OAUTH';
}

/** The connection has no usable grant; jobs fail fast with this until it is authorised. */
export class NotAuthorisedError extends CodedPluginError {
  override name = 'NotAuthorisedError';
  constructor(
    message: string,
    readonly state: 'needs-authorisation' | 'needs-reauthorisation',
  ) {
    super('DBX_NEEDS_AUTH', message);
  }
}

/** The connection cannot be used as written (no app key, a missing app secret). */
export class ConnectionSetupError extends CodedPluginError {
  override name = 'ConnectionSetupError';
  constructor(message: string) {
    super('DBX_SETUP', message);
  }
}
