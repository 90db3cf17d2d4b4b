// Links to files and exports of files Dropbox cannot hand over as stored bytes. A shared
// link is one per file and owner: asking again answers shared_link_already_exists with
// the existing link, which is what the caller wanted, so it is returned, not thrown.
import { open, rename, unlink } from 'node:fs/promises';
import type { Transport } from './http.ts';
import { DropboxError } from './errors.ts';
import { localWriteError } from './local-write-error.ts';
import type { CallOptions, FileLink, FileMetadata, SharedLinkSettings } from './types.ts';

/** get_temporary_link: a 4-hour link to the file's current version, no token needed. */
export async function temporaryLink(t: Transport, path: string, opts: CallOptions): Promise<FileLink> {
  const r = await t.send<{ link: string; metadata: FileMetadata }>({
    route: 'files/get_temporary_link',
    style: 'rpc',
    arg: { path },
    idempotency: 'safe',
    paths: [path],
    signal: opts.signal,
  });
  // Dropbox documents the 4 hours; the reply does not carry the expiry.
  return { url: r.result.link, expires: new Date(Date.now() + 4 * 3600_000).toISOString() };
}

interface SharedLinkMetadata {
  url: string;
  expires?: string;
}

/** create_shared_link_with_settings, or the link the file already has. */
export async function sharedLink(
  t: Transport,
  path: string,
  settings: SharedLinkSettings,
  opts: CallOptions,
): Promise<FileLink> {
  const s: Record<string, unknown> = {};
  if (settings.visibility) s.requested_visibility = settings.visibility;
  if (settings.expires) s.expires = settings.expires.toISOString().replace(/\.\d{3}Z$/, 'Z');
  try {
    const r = await t.send<SharedLinkMetadata>({
      route: 'sharing/create_shared_link_with_settings',
      style: 'rpc',
      arg: Object.keys(s).length ? { path, settings: s } : { path },
      // A repeat finds the link made by the first try: reused below.
      idempotency: 'safe',
      paths: [path],
      signal: opts.signal,
    });
    return linkOf(r.result);
  } catch (err) {
    const existing = existingLink(err);
    if (existing) return linkOf(existing);
    if (err instanceof DropboxError && err.mentions('shared_link_already_exists')) {
      // Settings differ from the existing link's, so Dropbox leaves out its metadata: list it.
      const r = await t.send<{ links: SharedLinkMetadata[] }>({
        route: 'sharing/list_shared_links',
        style: 'rpc',
        arg: { path, direct_only: true },
        idempotency: 'safe',
        paths: [path],
        signal: opts.signal,
      });
      const first = r.result.links[0];
      if (first) return linkOf(first);
    }
    throw err;
  }
}

const linkOf = (m: SharedLinkMetadata): FileLink => ({ url: m.url, ...(m.expires ? { expires: m.expires } : {}) });

/** The link's metadata inside shared_link_already_exists, when Dropbox sent it. */
function existingLink(err: unknown): SharedLinkMetadata | undefined {
  if (!(err instanceof DropboxError)) return undefined;
  // The spec's union nests the link under `metadata`; some servers flatten it in.
  const e = err.error as
    { shared_link_already_exists?: (SharedLinkMetadata & { metadata?: SharedLinkMetadata }) | null } | undefined;
  const m = e?.shared_link_already_exists?.metadata ?? e?.shared_link_already_exists;
  return m && typeof m.url === 'string' ? m : undefined;
}

/**
 * files/export in `format` into `localPath` (written beside it, then renamed, so the
 * target is never half-written). Resolves to the exported file's name and size.
 */
export async function exportFile(
  t: Transport,
  path: string,
  format: string,
  localPath: string,
  opts: CallOptions,
): Promise<{ name: string; size: number }> {
  const r = await t.send<{ export_metadata: { name: string; size: number } }>({
    route: 'files/export',
    style: 'download',
    arg: { path, export_format: format },
    idempotency: 'safe',
    paths: [path],
    signal: opts.signal,
  });
  const part = `${localPath}.dropcron-export`;
  try {
    const fh = await open(part, 'w', 0o644);
    try {
      for await (const chunk of r.body!) await fh.write(chunk as Buffer);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(part, localPath);
  } catch (err) {
    r.body?.destroy();
    await unlink(part).catch(() => {});
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw (await localWriteError(err, localPath)) ?? err;
  }
  return r.result.export_metadata;
}
