// The connector's public shape: what tasks, auth, the admin UI and the CLI may call.
// Field names follow Dropbox's JSON (snake_case) so metadata passes through untouched.
import type { PacerStats } from './pacer.ts';

export interface FileMetadata {
  '.tag': 'file';
  name: string;
  id: string;
  path_lower?: string;
  path_display?: string;
  client_modified: string;
  server_modified: string;
  rev: string;
  size: number;
  content_hash?: string;
  is_downloadable?: boolean;
  /** Set on files only files/export can hand over (is_downloadable false): the formats offered. */
  export_info?: { export_as?: string; export_options?: string[] };
}

export interface FolderMetadata {
  '.tag': 'folder';
  name: string;
  id: string;
  path_lower?: string;
  path_display?: string;
}

export interface DeletedMetadata {
  '.tag': 'deleted';
  name: string;
  path_lower?: string;
  path_display?: string;
}

export type Metadata = FileMetadata | FolderMetadata | DeletedMetadata;

/** files/list_revisions: a file's kept versions, newest first. */
export interface Revisions {
  /** Nothing lives at the path now (deleted or moved away). */
  isDeleted: boolean;
  /** When it was deleted, if it was. */
  serverDeleted?: string;
  entries: FileMetadata[];
}

export interface RootInfo {
  '.tag': 'user' | 'team';
  root_namespace_id: string;
  home_namespace_id: string;
  home_path?: string;
}

export interface Account {
  account_id: string;
  name: { display_name: string; given_name: string; surname: string; familiar_name: string; abbreviated_name: string };
  email: string;
  email_verified: boolean;
  disabled: boolean;
  country?: string;
  locale: string;
  account_type: { '.tag': 'basic' | 'pro' | 'business' };
  team?: { id: string; name: string };
  team_member_id?: string;
  root_info: RootInfo;
}

export interface SpaceUsage {
  used: number;
  allocation:
    | { '.tag': 'individual'; allocated: number }
    | { '.tag': 'team'; used: number; allocated: number; user_within_team_space_allocated: number };
}

/** Bytes moved so far of one transfer. */
export type ProgressFn = (done: number, total: number) => void;

export interface CallOptions {
  signal?: AbortSignal;
}

export type WriteMode = 'add' | 'overwrite' | { update: string };

export interface UploadOptions extends CallOptions {
  mode?: WriteMode;
  autorename?: boolean;
  /** Sent as client_modified (rounded to seconds); default: the local file's mtime. */
  clientModified?: Date;
  /** Fail on identical-content no-ops too (strict_conflict). */
  strictConflict?: boolean;
  onProgress?: ProgressFn;
}

export interface UploadManyItem {
  localPath: string;
  remotePath: string;
  mode?: WriteMode;
  clientModified?: Date;
}

export interface UploadManyResult {
  item: UploadManyItem;
  /** Set on success. */
  metadata?: FileMetadata;
  /** Set on failure: one entry failing never fails the others. */
  error?: Error;
}

export interface DownloadOptions extends CallOptions {
  onProgress?: ProgressFn;
  /** Set the local file's mtime to the remote client_modified. Default true. */
  keepModified?: boolean;
  /**
   * The rev the caller listed: a part file an earlier call left for it is resumed, and
   * parts of other revs are removed. Without it the download starts from the first byte.
   */
  rev?: string;
}

export interface ListOptions extends CallOptions {
  recursive?: boolean;
  /** Page size hint, 1-2000. */
  limit?: number;
  includeDeleted?: boolean;
}

export interface SearchOptions extends CallOptions {
  path?: string;
  maxResults?: number;
  filenameOnly?: boolean;
}

/**
 * One client per connection definition. Paths are Dropbox paths ('' is the root,
 * otherwise '/a/b'; also `id:`, `ns:`, `rev:` forms) and are validated before any
 * request. Errors are DropboxError subclasses (plugins/dropbox/api/errors.ts).
 */
export interface DropboxClient {
  getCurrentAccount(opts?: CallOptions): Promise<Account>;
  getSpaceUsage(opts?: CallOptions): Promise<SpaceUsage>;
  /** Resolves to undefined when nothing is at `path` (not_found), never throws for that. */
  getMetadata(path: string, opts?: CallOptions): Promise<FileMetadata | FolderMetadata | undefined>;
  /** Every entry under `path`, page by page, never holding a whole listing in memory. */
  listFolder(path: string, opts?: ListOptions): AsyncIterable<Metadata>;
  /** A cursor at the folder's present state, for longpoll and changesSince. */
  latestCursor(path: string, opts?: CallOptions & { recursive?: boolean }): Promise<string>;
  /** Waits (about 30 s at most) for a change after `cursor`. */
  longpoll(cursor: string, opts?: CallOptions): Promise<import('./changes.ts').PollAnswer>;
  /** The entries changed after `cursor` (deleted ones tagged `deleted`), and the cursor after them. */
  changesSince(cursor: string, opts?: CallOptions): Promise<import('./changes.ts').Changes>;
  /** Creates a folder; an existing folder is success when `ensure` is true (default). */
  createFolder(path: string, opts?: CallOptions & { ensure?: boolean }): Promise<FolderMetadata>;
  /**
   * Deletes a file or folder. With `parentRev`, a file is deleted only if it is still
   * that revision (Dropbox answers a conflict otherwise), so a newer version is never lost.
   */
  delete(path: string, opts?: CallOptions & { parentRev?: string }): Promise<Metadata>;
  /**
   * Deletes any number of paths in batches of 1000; one result per path. An entry with
   * `parentRev` is deleted only while the file is still that revision.
   */
  deleteBatch(
    items: Array<string | { path: string; parentRev?: string }>,
    opts?: CallOptions,
  ): Promise<Array<{ path: string; metadata?: Metadata; error?: Error }>>;
  /** Streams a local file up (simple upload or upload session by size), verifies content_hash. */
  upload(localPath: string, remotePath: string, opts?: UploadOptions): Promise<FileMetadata>;
  /** Many files: sessions committed together with finish_batch_v2. */
  uploadMany(
    items: UploadManyItem[],
    opts?: CallOptions & { onProgress?: (item: UploadManyItem, done: number, total: number) => void },
  ): Promise<UploadManyResult[]>;
  /** Streams to a temp file beside `localPath`, verifies content_hash, fsyncs, renames. */
  download(remotePath: string, localPath: string, opts?: DownloadOptions): Promise<FileMetadata>;
  copy(fromPath: string, toPath: string, opts?: CallOptions & { autorename?: boolean }): Promise<Metadata>;
  move(fromPath: string, toPath: string, opts?: CallOptions & { autorename?: boolean }): Promise<Metadata>;
  /** Copies or moves many entries server-side (copy_batch_v2 / move_batch_v2); one outcome per item, in order. */
  relocateBatch(
    op: 'copy' | 'move',
    items: Array<{ from: string; to: string }>,
    opts?: CallOptions & { autorename?: boolean },
  ): Promise<Array<{ from: string; to: string; metadata?: Metadata; error?: Error }>>;
  search(query: string, opts?: SearchOptions): AsyncIterable<Metadata>;
  /** A file's versions, newest first (path mode: every file that lived at the path). */
  listRevisions(path: string, opts?: CallOptions & { limit?: number }): Promise<Revisions>;
  /** Writes version `rev` back to `path` as a new version. */
  restore(path: string, rev: string, opts?: CallOptions): Promise<FileMetadata>;
  /** A 4-hour link to the file's current version (files/get_temporary_link). */
  temporaryLink(path: string, opts?: CallOptions): Promise<FileLink>;
  /** The file's shared link: created with `settings`, or the one it already has. */
  sharedLink(path: string, settings: SharedLinkSettings, opts?: CallOptions): Promise<FileLink>;
  /** Exports a non-downloadable file (is_downloadable false) in `format` into `localPath`. */
  export(path: string, format: string, localPath: string, opts?: CallOptions): Promise<{ name: string; size: number }>;
  /** What the connection's pacer saw so far (429s waited out), for a task's counts. */
  stats(): PacerStats;
  /** Closes nothing shared; the dispatcher belongs to the core. */
}

/** Where the client gets its access token. Implemented by plugins/dropbox/auth. */
export interface TokenSource {
  /** A currently valid access token (refreshing first if it is about to expire). */
  token(signal?: AbortSignal): Promise<string>;
  /**
   * Called when Dropbox answered 401 expired/invalid for `stale`. Must be
   * single-flight: 50 concurrent callers with the same stale token cause one refresh.
   * Resolves to the new token; rejects (e.g. invalid_grant) when no token can be had.
   */
  refresh(stale: string, signal?: AbortSignal): Promise<string>;
}

/** A link to a file: temporary (expires after 4 hours) or shared. */
export interface FileLink {
  url: string;
  /** ISO date-time after which the link stops working; none for a shared link without expiry. */
  expires?: string;
}

export interface SharedLinkSettings {
  visibility?: 'public' | 'team_only';
  expires?: Date;
}
