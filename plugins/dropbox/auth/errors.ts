// Errors of the sign-in and token machinery. Each message is one line a person can act
// on: what Dropbox said and what to do about it. None ever carries a token or secret.

/** A flow that ended (bad state, denied, failed exchange): nothing was stored. */
export class AuthFlowError extends Error {
  override name = 'AuthFlowError';
}

/** An answer from Dropbox's OAuth endpoints: `code` is Dropbox's `error` field. */
export class OAuthError extends Error {
  override name = 'OAuthError';
  constructor(
    message: string,
    readonly code: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/** The connection has no usable grant; jobs fail fast with this until it is authorised. */
export class NotAuthorisedError extends Error {
  override name = 'NotAuthorisedError';
  constructor(
    message: string,
    readonly state: 'needs-authorisation' | 'needs-reauthorisation',
  ) {
    super(message);
  }
}
