// Temporary upload links (files/get_temporary_upload_link): one POST of the bytes, without a
// token, before the link expires, commits them by the CommitInfo given when the link was made,
// judged only now (files.stone). Dropbox serves them at content.dropboxapi.com/apitul/1/<id>;
// here /apitul/1/<id> on the emulator's one port. Answers as files.stone describes: 200
// {"content-hash"}, 400 for another Content-Type, 409 plain text when the link is unknown or
// the upload fails, 410 once it was consumed or expired.
import type { IncomingMessage } from 'node:http';
import type { CommitInfo } from './commit.ts';
import { ApiError, WriteFailure, errorSummary, nest } from './errors.ts';
import type { Io } from './http-io.ts';
import { TooLarge, storeBody } from './routes/upload.ts';
import type { Caller, State } from './state.ts';

export interface UploadLink {
  /** Who asked for the link: the upload writes as them. */
  caller: Caller;
  commit: CommitInfo;
  /** ms since the epoch, on the emulator's clock (State.now). */
  expiresAt: number;
  consumed: boolean;
}

const LINK_PATH = /^\/apitul\/1\/([A-Za-z0-9_-]+)$/;

/** POST on an upload link's path; false when the path is not one. */
export async function serveUploadLink(st: State, url: URL, req: IncomingMessage, io: Io): Promise<boolean> {
  const m = LINK_PATH.exec(url.pathname);
  if (!m) return false;
  if (req.method !== 'POST') throw new ApiError(405, 'Method Not Allowed', { Allow: 'POST' });
  const ct = req.headers['content-type'] ?? '';
  if (!/^(application\/octet-stream|text\/plain)\s*(;|$)/i.test(ct))
    throw new ApiError(400, `Bad Request: Content-Type "${ct}" is not application/octet-stream.`);
  const link = st.uploadLinks.get(m[1]!);
  if (!link) throw new ApiError(409, 'Conflict: this temporary upload link does not exist.');
  if (link.consumed) throw new ApiError(410, 'Temporary upload link has been recently consumed.');
  if (link.expiresAt <= st.now()) throw new ApiError(410, 'Temporary upload link has expired.');
  // Single use: a failed upload spends the link too; the client asks for a new one.
  link.consumed = true;
  let meta: Record<string, unknown>;
  try {
    meta = await storeBody({ st, caller: link.caller, body: () => io.body() }, link.commit, 'apitul');
  } catch (err) {
    // Dropbox answers a bare 409 here; the tag chain is kept in the text for people reading logs.
    if (err instanceof WriteFailure) throw new ApiError(409, `Upload failed: ${errorSummary(nest('path', err.error))}`);
    if (err instanceof TooLarge) throw new ApiError(409, 'Upload failed: payload_too_large/..');
    throw err;
  }
  const body = JSON.stringify({ 'content-hash': meta.content_hash });
  await io.send(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }, body);
  return true;
}
