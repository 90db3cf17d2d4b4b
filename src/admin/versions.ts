// Optimistic concurrency for edits from the UI: a file's version is a hash of its
// text, sent as the ETag of a GET and required back as If-Match on every edit, so a
// save based on what another tab or an editor has since changed is refused (409)
// instead of silently replacing that change.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { HttpError } from './context.ts';

/** The version of a file's text: 128 bits of its SHA-256, base64url. */
export function versionOf(text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 22);
}

/** Sends `version` as the reply's ETag (a strong validator: exact bytes). */
export function sendVersion(reply: FastifyReply, version: string): void {
  void reply.header('etag', `"${version}"`);
}

/** Reads `file`, sends its version as the ETag and returns it. */
export async function sendFileVersion(reply: FastifyReply, file: string): Promise<string> {
  const version = versionOf(await readFile(file, 'utf8'));
  sendVersion(reply, version);
  return version;
}

/** The version an edit was based on, from If-Match; 428 when the request has none. */
export function basedOn(req: FastifyRequest, what: string): string {
  const raw = req.headers['if-match'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!value)
    throw new HttpError(
      428,
      `send the If-Match header with the ETag of GET ${what}, so a save cannot replace changes made since`,
    );
  return value.replace(/^W\//, '').replace(/^"(.*)"$/, '$1');
}

/** Throws 409 when the file's text is no longer the version the edit was based on. */
export function refuseStale(current: string, expected: string, what: string): void {
  if (versionOf(current) !== expected)
    throw new HttpError(
      409,
      `${what} changed since you opened it (in another tab or in its file); reload to see the current version, then make your change again`,
    );
}
