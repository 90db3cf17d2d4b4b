// Links that serve a file without a token: temporary links (files/get_temporary_link, 4 hours,
// then 410 Gone) and shared links (sharing/*). Both live on the emulator's one port, on the
// host the client called: /cd/0/get/<token>/file stands for Dropbox's
// ucXXX.dl.dropboxusercontent.com, /scl/fi/<token>/<name>?rlkey=... for www.dropbox.com.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { ApiError } from './errors.ts';
import type { Io } from './http-io.ts';
import { parseRange } from './routes/download.ts';
import type { State } from './state.ts';
import type { FileVersion, Node } from './tree.ts';

export interface TemporaryLink {
  rev: string;
  name: string;
  expiresAt: number;
}

export type Visibility = 'public' | 'team_only' | 'password';

export interface SharedLink {
  token: string;
  /** The URL's rlkey: a link is found by token and rlkey together. */
  rlkey: string;
  /** The account that created it (the only one that lists, changes or revokes it). */
  ownerId: string;
  nodeId: string;
  visibility: Visibility;
  password?: string;
  /** ms since the epoch, on the emulator's clock (State.now). */
  expires?: number;
}

/** Dropbox's temporary links live 4 hours. */
export const TEMPORARY_LINK_TTL_MS = 4 * 3600 * 1000;

/** Links kept; the oldest are forgotten first (memory stays flat on long runs). */
const MAX_LINKS = 10_000;

export function remember<T>(map: Map<string, T>, key: string, value: T): void {
  map.set(key, value);
  if (map.size > MAX_LINKS) map.delete(map.keys().next().value!);
}

/** The scheme and host the client reached us on: links point back there. */
export function baseUrl(req: IncomingMessage): string {
  const tls = (req.socket as TLSSocket).encrypted;
  return `${tls ? 'https' : 'http'}://${req.headers.host ?? '127.0.0.1'}`;
}

export function sharedLinkUrl(base: string, link: SharedLink, node: Node): string {
  const kind = node.kind === 'file' ? 'fi' : 'fo';
  return `${base}/scl/${kind}/${link.token}/${encodeURIComponent(node.name)}?rlkey=${link.rlkey}&dl=0`;
}

/** The live shared link a URL names (any host: clients keep URLs from other sessions), if any. */
export function findSharedLink(st: State, url: string): SharedLink | undefined | 'malformed' {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'malformed';
  }
  const m = /^\/scl\/f[io]\/([A-Za-z0-9_-]+)(?:\/|$)/.exec(u.pathname);
  if (!m) return 'malformed';
  const link = st.sharedLinks.get(m[1]!);
  if (!link || link.rlkey !== u.searchParams.get('rlkey')) return undefined;
  return link;
}

export function isExpired(st: State, link: { expires?: number }): boolean {
  return link.expires !== undefined && link.expires <= st.now();
}

const MIME: Record<string, string> = {
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  html: 'text/html; charset=utf-8',
  json: 'application/json',
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  zip: 'application/zip',
};

function mimeOf(name: string): string {
  const ext = name.includes('.') ? name.slice(name.lastIndexOf('.') + 1).toLowerCase() : '';
  return MIME[ext] ?? 'application/octet-stream';
}

/** A file version's bytes, with Range support, as the link hosts send them. */
async function sendVersion(io: Io, req: IncomingMessage, v: FileVersion, name: string, attach: boolean) {
  const size = v.blob.size;
  const range = parseRange(req.headers.range, size);
  if (range === 'invalid')
    throw new ApiError(416, 'Requested Range Not Satisfiable', { 'Content-Range': `bytes */${size}` });
  const [start, end] = range ?? [0, size];
  const disposition = `${attach ? 'attachment' : 'inline'}; filename*=UTF-8''${encodeURIComponent(name)}`;
  await io.send(
    range ? 206 : 200,
    {
      'Content-Type': mimeOf(name),
      'Content-Length': end - start,
      'Content-Disposition': disposition,
      'Accept-Ranges': 'bytes',
      ETag: `"${v.rev}"`,
      ...(range ? { 'Content-Range': `bytes ${start}-${end - 1}/${size}` } : {}),
    },
    req.method === 'HEAD' ? '' : (v.blob.read(start, end) as AsyncIterable<Buffer>),
  );
}

const text = (status: number, body: string) => new ApiError(status, body);

/** GET (or HEAD) on a link path; false when the path is not a link's. */
export async function serveLink(st: State, url: URL, req: IncomingMessage, io: Io): Promise<boolean> {
  const temp = /^\/cd\/0\/get\/([A-Za-z0-9_-]+)\/file$/.exec(url.pathname);
  const shared = /^\/scl\/f[io]\/[A-Za-z0-9_-]+(?:\/|$)/.test(url.pathname);
  if (!temp && !shared) return false;
  if (req.method !== 'GET' && req.method !== 'HEAD') throw new ApiError(405, 'Method Not Allowed', { Allow: 'GET' });
  if (temp) {
    const link = st.temporaryLinks.get(temp[1]!);
    if (!link) throw text(404, 'Not Found');
    if (isExpired(st, { expires: link.expiresAt })) throw text(410, 'Gone: this temporary link has expired.');
    const v = st.tree.revisions.get(link.rev);
    if (!v) throw text(410, 'Gone: the file is no longer available.');
    await sendVersion(io, req, v, link.name, false);
    return true;
  }
  const link = findSharedLink(st, url.href);
  const node = link && link !== 'malformed' ? st.tree.byId.get(link.nodeId) : undefined;
  if (!link || link === 'malformed' || !node) throw text(404, 'Not Found: this link was removed or never existed.');
  if (isExpired(st, link)) throw text(410, 'Gone: this link has expired.');
  // No signed-in browser here: links that need a team login or a password stay closed.
  if (link.visibility !== 'public') throw text(403, `Forbidden: this link is ${link.visibility.replace('_', ' ')}.`);
  if (node.kind === 'folder') {
    const names = [...node.children.values()].map((c) => c.name).sort();
    await io.send(200, { 'Content-Type': 'text/plain; charset=utf-8' }, names.join('\n') + '\n');
    return true;
  }
  // dl=1 downloads; dl=0 (the default) and raw=1 show the file in the browser.
  await sendVersion(io, req, node, node.name, url.searchParams.get('dl') === '1');
  return true;
}
