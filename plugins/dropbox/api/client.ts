// The Dropbox connector: DropboxClient over the transport. It validates paths,
// adds the Business headers, routes commits through the namespace queue, and hands
// transfers to upload.ts / download.ts and listings to list.ts.
import { randomUUID } from 'node:crypto';
import type { Dispatcher } from 'undici';
import type { Logger } from '../../../src/plugin.ts';
import { formatBytes } from '../../../src/plugin.ts';
import type {
  Account,
  CallOptions,
  DownloadOptions,
  DropboxClient,
  FileLink,
  FileMetadata,
  FolderMetadata,
  ListOptions,
  Metadata,
  Revisions,
  RootInfo,
  SearchOptions,
  SharedLinkSettings,
  SpaceUsage,
  TokenSource,
  UploadManyItem,
  UploadManyResult,
  UploadOptions,
} from './types.ts';
import { exportFile, sharedLink, temporaryLink } from './links.ts';
import { Transport, type TransportObserver } from './http.ts';
import { encodeArg } from './arg-header.ts';
import { normalizePath } from './paths.ts';
import {
  ConflictError,
  DropboxError,
  InsufficientSpaceError,
  NotFoundError,
  PathRootError,
  errorFromUnion,
} from './errors.ts';
import { inNamespace } from './namespace-queue.ts';
import { tightestLimit } from './space.ts';
import { listFolderPages, searchPages } from './list.ts';
import { changesSince, latestCursor, longpoll, type Changes, type PollAnswer } from './changes.ts';
import { uploadFile, MAX_REQUEST_BODY, type UploadContext } from './upload.ts';
import { uploadMany } from './upload-many.ts';
import { pollJob } from './async-job.ts';
import {
  relocateBatch,
  type RelocationBatchOptions,
  type RelocationItem,
  type RelocationOutcome,
} from './relocate-batch.ts';
import { downloadFile } from './download.ts';
import { BLOCK_SIZE } from './content-hash.ts';
import type { RetryPolicy } from './retry.ts';
import { Pacer, type PacerOptions, type PacerStats } from './pacer.ts';
import type { UploadCheckpoints } from './upload-checkpoints.ts';

export const DEFAULT_ENDPOINTS = { api: 'https://api.dropboxapi.com', content: 'https://content.dropboxapi.com' };
/** Where list_folder/longpoll is answered. */
const DEFAULT_NOTIFY = 'https://notify.dropboxapi.com';

// Chosen with bench/connector.bench.ts (bench/RESULTS.md): on loopback 8-64 MiB chunks
// all ran at 290-330 MiB/s (4 MiB: 260), so any of them is at the wire's speed there;
// 32 MiB halves the requests of 16 MiB where each costs a real round trip, while a
// dropped chunk re-sends at most 32 MiB. Memory does not depend on it: chunks stream
// from the file. Parallel appends (concurrent sessions) were slower on loopback
// (16 MiB x2: 212, x4: 206 vs x1: 291 MiB/s), so they stay off by default.
export const DEFAULT_CHUNK_SIZE = 32 * 1024 * 1024;
/** Files in flight in uploadMany: 1000 × 16 KiB at 40 ms latency took 4.9 s with 16 (9.6x
 * one-by-one files/upload) and 2.4 s with 32 (20.9x) (bench/RESULTS.md). */
export const DEFAULT_MANY_CONCURRENCY = 32;
/**
 * Largest file sent with one files/upload. It saves the session's extra round trip but
 * reads the file twice (the hash must be in the header) and holds the namespace queue
 * while its data moves: on loopback it tied with a session at 4 MiB (88 vs 90 MiB/s)
 * and lost from 16 MiB up (160 vs 172; 64 MiB: 174 vs 231), so only small files use it.
 */
export const DEFAULT_SIMPLE_UPLOAD_MAX = 8 * 1024 * 1024;

export interface ClientOptions {
  dispatcher: Dispatcher;
  token: TokenSource;
  endpoints?: { api?: string; content?: string; notify?: string };
  business?: { pathRoot?: string; selectUser?: string; selectAdmin?: string };
  appFolder?: boolean;
  log?: Logger;
  /** Multiple of 4 MiB, at most 148 MiB. */
  chunkSize?: number;
  /** Parallel appends for one large file (concurrent upload session); default 1. */
  parallelChunks?: number;
  /** Files in flight in uploadMany. */
  manyConcurrency?: number;
  /** Entries per finish_batch_v2 (1-1000, default 1000). */
  finishBatchSize?: number;
  /** Largest file sent with one files/upload (at most 150 MiB); default 8 MiB. */
  simpleUploadMax?: number;
  retry?: Partial<RetryPolicy>;
  pacer?: Partial<PacerOptions>;
  /** Where large uploads checkpoint their sessions to resume after a crash (the state directory). */
  uploadCheckpoints?: UploadCheckpoints;
  /** Told of every attempt and retry (the core's metrics). */
  observer?: TransportObserver;
}

export function createDropboxClient(opts: ClientOptions): DropboxClient & DropboxClientExtras {
  return new Client(opts);
}

export interface DropboxClientExtras {
  /** The effective root (after get_current_account), for "files land in ..." displays. */
  rootInfo(opts?: CallOptions): Promise<RootInfo>;
}

class Client implements DropboxClient, DropboxClientExtras {
  private readonly t: Transport;
  private readonly up: UploadContext;
  private accountLoad: Promise<Account> | undefined;
  private root: RootInfo | undefined;
  private readonly fallbackNamespace = `client:${randomUUID()}`;
  private readonly api: string;

  constructor(private readonly o: ClientOptions) {
    const chunk = o.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (chunk <= 0 || chunk % BLOCK_SIZE !== 0 || chunk > MAX_REQUEST_BODY) {
      throw new Error(`chunkSize must be a positive multiple of 4 MiB up to 148 MiB, not ${chunk}`);
    }
    const pr = o.business?.pathRoot;
    if (pr !== undefined && pr !== 'home' && pr !== 'team' && !/^ns:[-_0-9a-zA-Z:]+$/.test(pr)) {
      throw new Error(`business.pathRoot must be home, team or ns:<namespace id>, not ${JSON.stringify(pr)}`);
    }
    this.api = o.endpoints?.api ?? DEFAULT_ENDPOINTS.api;
    this.t = new Transport({
      dispatcher: o.dispatcher,
      token: o.token,
      api: this.api,
      content: o.endpoints?.content ?? DEFAULT_ENDPOINTS.content,
      notify: o.endpoints?.notify ?? DEFAULT_NOTIFY,
      log: o.log,
      retry: o.retry,
      // One client per connection (version), so this is the connection's one pacer.
      pacer: new Pacer(o.pacer),
      observer: o.observer,
      namespaceHeaders: (withPathRoot) => this.headers(withPathRoot),
      onInvalidRoot: async (err: PathRootError) => {
        this.root = err.rootInfo;
        if (!this.root) this.accountLoad = undefined;
      },
    });
    this.up = {
      t: this.t,
      commit: (fn) => this.commit(fn),
      chunkSize: chunk,
      simpleMax: Math.min(o.simpleUploadMax ?? DEFAULT_SIMPLE_UPLOAD_MAX, MAX_REQUEST_BODY),
      parallelChunks: Math.max(1, o.parallelChunks ?? 1),
      manyConcurrency: Math.max(1, o.manyConcurrency ?? DEFAULT_MANY_CONCURRENCY),
      getMetadata: (p, signal) => this.getMetadata(p, { signal }),
      checkpoints: o.uploadCheckpoints,
    };
  }

  // --- Business headers and the namespace -------------------------------------------

  private async headers(withPathRoot: boolean): Promise<Record<string, string>> {
    const h: Record<string, string> = {};
    const b = this.o.business;
    if (b?.selectUser) h['dropbox-api-select-user'] = b.selectUser;
    if (b?.selectAdmin) h['dropbox-api-select-admin'] = b.selectAdmin;
    // App-folder apps work in their own folder: Dropbox rejects Path-Root for them.
    if (!withPathRoot || this.o.appFolder || !b?.pathRoot || b.pathRoot === 'home') return h;
    if (b.pathRoot === 'team') {
      const root = await this.rootInfo();
      h['dropbox-api-path-root'] = encodeArg({ '.tag': 'root', root: root.root_namespace_id });
    } else {
      h['dropbox-api-path-root'] = encodeArg({ '.tag': 'namespace_id', namespace_id: b.pathRoot.slice(3) });
    }
    return h;
  }

  private account(signal?: AbortSignal): Promise<Account> {
    if (!this.accountLoad) {
      const p = this.t
        .send<Account>({
          route: 'users/get_current_account',
          style: 'rpc',
          idempotency: 'safe',
          noPathRoot: true,
          signal,
        })
        .then((r) => r.result);
      this.accountLoad = p;
      p.then(
        (a) => {
          this.root ??= a.root_info;
        },
        () => {
          if (this.accountLoad === p) this.accountLoad = undefined;
        },
      );
    }
    return this.accountLoad;
  }

  async rootInfo(opts: CallOptions = {}): Promise<RootInfo> {
    if (this.root) return this.root;
    const a = await this.account(opts.signal);
    this.root ??= a.root_info;
    return this.root;
  }

  /** Commits in one namespace run one at a time, process-wide. */
  private async commit<T>(fn: () => Promise<T>): Promise<T> {
    return inNamespace(await this.namespaceKey(), fn);
  }

  private async namespaceKey(): Promise<string> {
    const pr = this.o.business?.pathRoot;
    if (!this.o.appFolder && pr?.startsWith('ns:')) return `${this.api} ${pr}`;
    try {
      const root = await this.rootInfo();
      const ns = !this.o.appFolder && pr === 'team' ? root.root_namespace_id : root.home_namespace_id;
      return `${this.api} ns:${ns}`;
    } catch {
      // Without account_info.read the namespace is unknown: serialise within this client.
      return this.fallbackNamespace;
    }
  }

  stats(): PacerStats {
    return this.t.pacer.stats();
  }

  // --- account -------------------------------------------------------------------------

  async getCurrentAccount(opts: CallOptions = {}): Promise<Account> {
    const a = (
      await this.t.send<Account>({
        route: 'users/get_current_account',
        style: 'rpc',
        idempotency: 'safe',
        noPathRoot: true,
        signal: opts.signal,
      })
    ).result;
    this.root = a.root_info;
    this.accountLoad = Promise.resolve(a);
    return a;
  }

  async getSpaceUsage(opts: CallOptions = {}): Promise<SpaceUsage> {
    return (
      await this.t.send<SpaceUsage>({
        route: 'users/get_space_usage',
        style: 'rpc',
        idempotency: 'safe',
        signal: opts.signal,
      })
    ).result;
  }

  // --- metadata and listings ---------------------------------------------------------------

  async getMetadata(path: string, opts: CallOptions = {}): Promise<FileMetadata | FolderMetadata | undefined> {
    const p = normalizePath(path, 'read', 'files/get_metadata');
    try {
      return (
        await this.t.send<FileMetadata | FolderMetadata>({
          route: 'files/get_metadata',
          style: 'rpc',
          arg: { path: p },
          idempotency: 'safe',
          paths: [p],
          signal: opts.signal,
        })
      ).result;
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  }

  listFolder(path: string, opts: ListOptions = {}): AsyncIterable<Metadata> {
    const p = normalizePath(path, 'root-ok', 'files/list_folder');
    return listFolderPages(this.t, p, opts);
  }

  latestCursor(path: string, opts: CallOptions & { recursive?: boolean } = {}): Promise<string> {
    return latestCursor(this.t, normalizePath(path, 'root-ok', 'files/list_folder/get_latest_cursor'), opts);
  }

  longpoll(cursor: string, opts: CallOptions = {}): Promise<PollAnswer> {
    return longpoll(this.t, cursor, opts);
  }

  changesSince(cursor: string, opts: CallOptions = {}): Promise<Changes> {
    return changesSince(this.t, cursor, opts);
  }

  search(query: string, opts: SearchOptions = {}): AsyncIterable<Metadata> {
    if (typeof query !== 'string' || query.length === 0 || query.length > 1000) {
      throw new DropboxError('files/search_v2: the query must be 1 to 1000 characters', {
        route: 'files/search_v2',
        tags: ['invalid_argument'],
      });
    }
    const options: Record<string, unknown> = {};
    if (opts.path !== undefined) {
      const p = normalizePath(opts.path, 'root-ok', 'files/search_v2');
      if (p !== '') options.path = p;
    }
    if (opts.maxResults !== undefined) options.max_results = Math.max(1, Math.min(1000, opts.maxResults));
    if (opts.filenameOnly !== undefined) options.filename_only = opts.filenameOnly;
    return searchPages(this.t, query, options, opts.signal);
  }

  // --- versions ----------------------------------------------------------------------------------

  async listRevisions(path: string, opts: CallOptions & { limit?: number } = {}): Promise<Revisions> {
    const p = normalizePath(path, 'read', 'files/list_revisions');
    const r = (
      await this.t.send<{ is_deleted: boolean; server_deleted?: string; entries: FileMetadata[] }>({
        route: 'files/list_revisions',
        style: 'rpc',
        arg: { path: p, limit: Math.max(1, Math.min(100, opts.limit ?? 100)) },
        idempotency: 'safe',
        paths: [p],
        signal: opts.signal,
      })
    ).result;
    return {
      isDeleted: r.is_deleted,
      ...(r.server_deleted ? { serverDeleted: r.server_deleted } : {}),
      entries: r.entries.map((e) => ({ ...e, '.tag': 'file' as const })),
    };
  }

  async restore(path: string, rev: string, opts: CallOptions = {}): Promise<FileMetadata> {
    const p = normalizePath(path, 'write', 'files/restore');
    if (!/^[0-9a-f]{9,}$/.test(rev)) {
      throw new DropboxError(`files/restore: a revision is 9 or more hex digits, not ${JSON.stringify(rev)}`, {
        route: 'files/restore',
        tags: ['invalid_revision'],
      });
    }
    const md = await this.commit(
      async () =>
        (
          await this.t.send<FileMetadata>({
            route: 'files/restore',
            style: 'rpc',
            arg: { path: p, rev },
            // Restoring the same version twice leaves the same bytes: a repeat is harmless.
            idempotency: 'safe',
            paths: [p],
            signal: opts.signal,
          })
        ).result,
    );
    return { ...md, '.tag': 'file' };
  }

  // --- writes ------------------------------------------------------------------------------------

  async createFolder(path: string, opts: CallOptions & { ensure?: boolean } = {}): Promise<FolderMetadata> {
    const p = normalizePath(path, 'write', 'files/create_folder_v2');
    const ensure = opts.ensure ?? true;
    try {
      return await this.commit(
        async () =>
          (
            await this.t.send<{ metadata: FolderMetadata }>({
              route: 'files/create_folder_v2',
              style: 'rpc',
              arg: { path: p, autorename: false },
              // With ensure, a repeat that finds the folder made by the first attempt is success.
              idempotency: ensure ? 'safe' : 'once',
              paths: [p],
              signal: opts.signal,
            })
          ).result.metadata,
      );
    } catch (err) {
      if (ensure && err instanceof ConflictError && err.mentions('folder')) {
        const md = await this.getMetadata(p, opts);
        if (md?.['.tag'] === 'folder') return md;
      }
      throw err;
    }
  }

  async delete(path: string, opts: CallOptions & { parentRev?: string } = {}): Promise<Metadata> {
    const p = normalizePath(path, 'write', 'files/delete_v2');
    try {
      return await this.commit(
        async () =>
          (
            await this.t.send<{ metadata: Metadata }>({
              route: 'files/delete_v2',
              style: 'rpc',
              arg: opts.parentRev ? { path: p, parent_rev: opts.parentRev } : { path: p },
              idempotency: 'safe',
              paths: [p],
              signal: opts.signal,
            })
          ).result.metadata,
      );
    } catch (err) {
      // A replay finding nothing means the attempt whose reply was lost deleted it.
      if (err instanceof NotFoundError && err.attempts > 1) {
        return {
          '.tag': 'deleted',
          name: p.slice(p.lastIndexOf('/') + 1),
          path_display: p,
          path_lower: p.toLowerCase(),
        };
      }
      throw err;
    }
  }

  async deleteBatch(
    items: Array<string | { path: string; parentRev?: string }>,
    opts: CallOptions = {},
  ): Promise<Array<{ path: string; metadata?: Metadata; error?: Error }>> {
    const list = items.map((it) => (typeof it === 'string' ? { path: it } : it));
    const out: Array<{ path: string; metadata?: Metadata; error?: Error }> = list.map(({ path }) => ({ path }));
    const valid: Array<{ i: number; p: string; rev?: string }> = [];
    list.forEach(({ path, parentRev }, i) => {
      try {
        valid.push({ i, p: normalizePath(path, 'write', 'files/delete_batch'), rev: parentRev });
      } catch (err) {
        out[i]!.error = err as Error;
      }
    });
    for (let k = 0; k < valid.length; k += 1000) {
      const batch = valid.slice(k, k + 1000);
      try {
        const entries = await this.commit(async () => {
          const r = (
            await this.t.send<Record<string, unknown>>({
              route: 'files/delete_batch',
              style: 'rpc',
              arg: { entries: batch.map((b) => (b.rev ? { path: b.p, parent_rev: b.rev } : { path: b.p })) },
              idempotency: 'safe',
              signal: opts.signal,
            })
          ).result;
          type Done = { entries: Array<Record<string, unknown>> };
          if (r['.tag'] === 'complete') return ((r.complete as Done | undefined) ?? (r as unknown as Done)).entries;
          if (r['.tag'] === 'async_job_id')
            return (await pollJob<Done>(this.t, 'files/delete_batch/check', r.async_job_id as string, opts.signal))
              .entries;
          throw new DropboxError(`files/delete_batch: unexpected reply ${String(r['.tag'])}`, {
            route: 'files/delete_batch',
          });
        });
        batch.forEach((b, j) => {
          const e = entries[j];
          if (e?.['.tag'] === 'success') out[b.i]!.metadata = e.metadata as Metadata;
          else out[b.i]!.error = errorFromUnion('files/delete_batch', e?.failure ?? e, [b.p]);
        });
      } catch (err) {
        for (const b of batch) out[b.i]!.error = err as Error;
      }
    }
    return out;
  }

  async copy(fromPath: string, toPath: string, opts: CallOptions & { autorename?: boolean } = {}): Promise<Metadata> {
    return this.relocate('files/copy_v2', fromPath, toPath, opts);
  }

  async move(fromPath: string, toPath: string, opts: CallOptions & { autorename?: boolean } = {}): Promise<Metadata> {
    return this.relocate('files/move_v2', fromPath, toPath, opts);
  }

  relocateBatch(
    op: 'copy' | 'move',
    items: RelocationItem[],
    opts: RelocationBatchOptions = {},
  ): Promise<RelocationOutcome[]> {
    return relocateBatch({ t: this.t, commit: (fn) => this.commit(fn) }, op, items, opts);
  }

  private async relocate(
    route: string,
    fromPath: string,
    toPath: string,
    opts: CallOptions & { autorename?: boolean },
  ): Promise<Metadata> {
    const from = normalizePath(fromPath, 'write', route);
    const to = normalizePath(toPath, 'write', route);
    // A repeat of a copy that went through makes a second copy (or a conflict), of a
    // move a not_found: retried only when Dropbox certainly did nothing.
    return this.commit(
      async () =>
        (
          await this.t.send<{ metadata: Metadata }>({
            route,
            style: 'rpc',
            arg: {
              from_path: from,
              to_path: to,
              autorename: opts.autorename ?? false,
              allow_ownership_transfer: false,
            },
            idempotency: 'once',
            paths: [from, to],
            signal: opts.signal,
          })
        ).result.metadata,
    );
  }

  // --- transfers ------------------------------------------------------------------------------

  async upload(localPath: string, remotePath: string, opts: UploadOptions = {}): Promise<FileMetadata> {
    const p = normalizePath(remotePath, 'write', 'files/upload');
    try {
      return await uploadFile(this.up, localPath, p, opts);
    } catch (err) {
      throw await this.explainSpace(err, opts.signal);
    }
  }

  async uploadMany(
    items: UploadManyItem[],
    opts: CallOptions & { onProgress?: (item: UploadManyItem, done: number, total: number) => void } = {},
  ): Promise<UploadManyResult[]> {
    const paths: string[] = [];
    const bad = new Map<number, Error>();
    items.forEach((it, i) => {
      try {
        paths[i] = normalizePath(it.remotePath, 'write', 'files/upload');
      } catch (err) {
        bad.set(i, err as Error);
      }
    });
    const okIdx = items.map((_, i) => i).filter((i) => !bad.has(i));
    const res = await uploadMany(
      this.up,
      okIdx.map((i) => items[i]!),
      okIdx.map((i) => paths[i]!),
      { ...opts, batchSize: this.o.finishBatchSize, retryLimit: this.t.policy.maxAttempts },
    );
    const out: UploadManyResult[] = items.map((item, i) => (bad.has(i) ? { item, error: bad.get(i) } : { item }));
    okIdx.forEach((i, k) => {
      out[i] = res[k]!;
    });
    return out;
  }

  async download(remotePath: string, localPath: string, opts: DownloadOptions = {}): Promise<FileMetadata> {
    const p = normalizePath(remotePath, 'read', 'files/download');
    return downloadFile(this.t, p, localPath, opts);
  }

  async temporaryLink(path: string, opts: CallOptions = {}): Promise<FileLink> {
    return temporaryLink(this.t, normalizePath(path, 'read', 'files/get_temporary_link'), opts);
  }

  async sharedLink(path: string, settings: SharedLinkSettings, opts: CallOptions = {}): Promise<FileLink> {
    return sharedLink(this.t, normalizePath(path, 'read', 'sharing/create_shared_link_with_settings'), settings, opts);
  }

  async export(
    path: string,
    format: string,
    localPath: string,
    opts: CallOptions = {},
  ): Promise<{ name: string; size: number }> {
    return exportFile(this.t, normalizePath(path, 'read', 'files/export'), format, localPath, opts);
  }

  /** insufficient_space: say how much is missing, from the account's usage. */
  private async explainSpace(err: unknown, signal?: AbortSignal): Promise<unknown> {
    if (!(err instanceof InsufficientSpaceError) || err.neededBytes === undefined) return err;
    try {
      const u = await this.getSpaceUsage({ signal });
      const { used, allocated } = tightestLimit(u);
      const free = Math.max(0, allocated - used);
      const short = Math.max(0, err.neededBytes - free);
      return new InsufficientSpaceError(
        `${err.route}: the Dropbox account is out of space: the file needs ${formatBytes(err.neededBytes)}, ${formatBytes(free)} is free (${formatBytes(used)} of ${formatBytes(allocated)} used); free at least ${formatBytes(short)} or upgrade the plan`,
        {
          route: err.route,
          status: err.status,
          tags: err.tags,
          summary: err.summary,
          requestId: err.requestId,
          error: err.error,
          cause: err,
        },
        err.neededBytes,
      );
    } catch {
      return err;
    }
  }
}
