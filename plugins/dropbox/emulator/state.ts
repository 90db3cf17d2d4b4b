// Everything one emulator instance holds, shared by its routes.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Ty } from './args.ts';
import type { BlobStore, Spool } from './blobs.ts';
import { rateLimited, routeError, nest, tag, ApiError } from './errors.ts';
import type { Faults } from './faults.ts';
import type { SharedLink, TemporaryLink } from './links.ts';
import type { PathScope } from './paths.ts';
import type { Seed, SeedApp } from './seed.ts';
import type { AccessToken, Grant, Tokens } from './tokens.ts';
import type { FolderNode, Node } from './tree.ts';
import type { UploadLink } from './upload-links.ts';
import type { Account, World } from './world.ts';

/** The authenticated side of a call, with the root its paths are relative to. */
export interface Caller extends PathScope {
  token: AccessToken;
  grant: Grant;
  app: SeedApp;
  account: Account;
  /** Acting through Dropbox-API-Select-Admin. */
  asAdmin: boolean;
}

export interface RouteDef {
  /** e.g. 'files/list_folder' (stone `list_folder`, v2 routes end in _v2). */
  name: string;
  style: 'rpc' | 'upload' | 'download';
  /**
   * user: Bearer token of a user, or of a team acting as a member (Select-User/Admin);
   * token: any valid token, team tokens without selecting a member (auth/token/revoke);
   * team: a team token without selecting a member (team/*).
   */
  auth: 'user' | 'token' | 'team' | 'none';
  scope?: string;
  arg: Ty;
  handle(call: Call): Promise<unknown>;
}

export interface Call {
  st: State;
  route: RouteDef;
  arg: any;
  caller: Caller;
  req: IncomingMessage;
  res: ServerResponse;
  /** The request body, streamed: throttled, counted, and cut by drop faults. */
  body(): AsyncIterable<Buffer>;
  /** For download routes: answers with bytes; the result goes in Dropbox-API-Result. */
  sendBytes(
    result: unknown,
    stream: NodeJS.ReadableStream,
    opts: { status: number; length: number; headers?: Record<string, string> },
  ): Promise<void>;
}

export interface Session {
  id: string;
  owner: string;
  type: 'sequential' | 'concurrent';
  /** Sequential sessions: the bytes so far. */
  spool?: Spool;
  /** Concurrent sessions: one spool per appended piece, by offset. */
  pieces?: Map<number, Spool>;
  /** Concurrent sessions: the end offset given by the closing append. */
  end?: number;
  closed: boolean;
  createdAt: number;
  /** A request is writing to it now. */
  busy: boolean;
}

export interface ListCursor {
  epoch: number;
  owner: string;
  folder: FolderNode;
  folderDisplay: string;
  recursive: boolean;
  limit: number;
  /** Journal position the listing reflects. */
  seq: number;
  /** The initial listing's remaining entries, when it spans pages. */
  snapshot?: { items: Array<Node | Record<string, unknown>>; index: number };
}

export const MAX_BODY = 150 * 1024 * 1024;

export class State {
  readonly sessions = new Map<string, Session>();
  readonly jobs = new Map<string, unknown>();
  readonly cursors = new Map<string, ListCursor>();
  readonly searchCursors = new Map<string, { owner: string; items: Node[]; index: number; max: number }>();
  /** Namespaces with a commit in progress. */
  readonly locks = new Map<string, number>();
  cursorEpoch = 0;
  /** files/get_temporary_link's links, by token. */
  readonly temporaryLinks = new Map<string, TemporaryLink>();
  /** files/get_temporary_upload_link's links, by token (consumed ones too, to answer 410). */
  readonly uploadLinks = new Map<string, UploadLink>();
  /** Shared links, by the token in their URL. */
  readonly sharedLinks = new Map<string, SharedLink>();
  /** sharing/list_shared_links pages still to hand out (link tokens), by cursor. */
  readonly sharedLinkCursors = new Map<string, { owner: string; tokens: string[] }>();
  /** team/members/list and team/namespaces/list pages still to hand out, by cursor. */
  readonly teamCursors = new Map<string, { teamId: string; route: string; items: unknown[]; limit: number }>();
  /** How far tests moved the clock that link expiry reads (emulator.advanceClock). */
  clockOffsetMs = 0;

  constructor(
    readonly seed: Seed,
    readonly world: World,
    readonly tokens: Tokens,
    readonly blobs: BlobStore,
    readonly faults: Faults,
  ) {}

  get tree() {
    return this.world.tree;
  }

  /** The time link expiry is judged by: real time, plus what tests advanced it by. */
  now(): number {
    return Date.now() + this.clockOffsetMs;
  }

  newId(prefix: string): string {
    return prefix + randomBytes(18).toString('base64url');
  }

  /** Keeps an async job's final status for its /check route (the newest 10,000). */
  addJob(status: unknown): string {
    const id = this.newId('dbjid:');
    this.jobs.set(id, status);
    if (this.jobs.size > 10_000) this.jobs.delete(this.jobs.keys().next().value!);
    return id;
  }

  quotaOf(space: { quota: number }): number {
    return this.faults.settings.quotaBytes ?? space.quota;
  }

  /** Holds the commit lock of `ns` until the returned release is called. */
  lock(ns: FolderNode, route: string): () => void {
    const id = ns.nsId ?? '';
    const held = this.locks.get(id) ?? 0;
    if (held > 0 && this.faults.settings.concurrentWriteLimit) throw tooManyWrites(route);
    this.locks.set(id, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (this.locks.get(id) ?? 1) - 1;
      if (n <= 0) this.locks.delete(id);
      else this.locks.set(id, n);
    };
  }
}

/** Namespace lock contention, shaped per route as Dropbox answers it. */
export function tooManyWrites(route: string): ApiError {
  if (route === 'files/create_folder_v2') return routeError(nest('path', tag('too_many_write_operations')));
  if (route === 'files/delete_v2') return routeError(tag('too_many_write_operations'));
  return rateLimited('too_many_write_operations', 1);
}
