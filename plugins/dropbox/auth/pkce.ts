// PKCE (RFC 7636, S256) and the random `state`: both from the CSPRNG, base64url.
import { createHash, randomBytes } from 'node:crypto';

/** 64 base64url characters (48 random bytes): inside the 43-128 range Dropbox allows. */
export function createVerifier(): string {
  return randomBytes(48).toString('base64url');
}

/** base64url(SHA-256(verifier)) without padding. */
export function challengeS256(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** 32 random bytes: unguessable, and well under Dropbox's 500-byte limit for state. */
export function createState(): string {
  return randomBytes(32).toString('base64url');
}
