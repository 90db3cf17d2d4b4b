// files/upload and upload sessions: start, append_v2 (and v1 append), finish,
// finish_batch_v2, finish_batch (v1, async) and finish_batch/check. Bodies stream
// into spools while hashing; at most 150 MiB per request; appends are atomic.
import { ContentHasher, BLOCK_SIZE } from '../../api/content-hash.ts';
import type { Blob, Spool } from '../blobs.ts';
import { ApiError, WriteFailure, nest, routeError, tag, type Tagged } from '../errors.ts';
import { fileMeta } from '../metadata.ts';
import { WRITE_PATH_OR_ID, REV } from '../paths.ts';
import { lockNamespace, planCommit, type CommitInfo } from '../commit.ts';
import { MAX_BODY, type Call, type RouteDef, type Session, type State } from '../state.ts';
import type { FolderNode } from '../tree.ts';
import { bool, jobCheckRoute, opt, t } from './common.ts';

const SHA256_HEX = t.str({ min: 64, max: 64 });
const WRITE_MODE = t.union({ add: null, overwrite: null, update: t.str({ pattern: REV, min: 9 }) });
const COMMIT_FIELDS = {
  path: t.str({ pattern: WRITE_PATH_OR_ID }),
  mode: { ty: WRITE_MODE, default: { tag: 'add' } },
  autorename: bool(false),
  client_modified: opt(t.timestamp),
  mute: bool(false),
  property_groups: opt(
    t.list(t.struct({ template_id: t.str(), fields: t.list(t.struct({ name: t.str(), value: t.str() })) })),
  ),
  strict_conflict: bool(false),
};
export const COMMIT_INFO = t.struct(COMMIT_FIELDS);
const CURSOR = t.struct({ session_id: t.str(), offset: t.uint() });
const FINISH_ARG = t.struct({ cursor: CURSOR, commit: COMMIT_INFO, content_hash: opt(SHA256_HEX) });

/** The largest file a session may build (files.stone: 2^41 - 2^22 bytes). */
const MAX_SESSION = 2 ** 41 - 2 ** 22;

export class TooLarge extends Error {}

/**
 * Streams the request body into `spool` (pending until the caller commits), hashing the
 * chunk. Over 150 MiB the rest is read and thrown away, then TooLarge is thrown.
 */
async function receive(
  call: Pick<Call, 'body'>,
  spool: Spool | undefined,
  wantHash = false,
): Promise<{ bytes: number; hash?: string }> {
  // The spool hashes what it keeps; a chunk's own hash is computed only when asked for.
  const hasher = wantHash ? new ContentHasher() : undefined;
  let bytes = 0;
  let over = false;
  for await (const chunk of call.body()) {
    bytes += chunk.length;
    if (bytes > MAX_BODY) over = true;
    if (over) continue;
    hasher?.update(chunk);
    if (spool) await spool.write(chunk);
  }
  if (over) throw new TooLarge();
  return { bytes, hash: hasher?.digest() };
}

/** Answers at once when the declared length is already too much. */
function declaredTooLarge(call: Call): boolean {
  const n = Number(call.req.headers['content-length']);
  return Number.isFinite(n) && n > MAX_BODY;
}

/** Sessions live 7 days, as at Dropbox. */
const SESSION_TTL_MS = 7 * 24 * 3600 * 1000;

function session(st: State, call: Call, id: string): Session | undefined {
  const s = st.sessions.get(id);
  if (s && Date.now() - s.createdAt > SESSION_TTL_MS) {
    st.sessions.delete(id);
    void s.spool?.discard();
    return undefined;
  }
  return s && s.owner === call.caller.account.id ? s : undefined;
}

function newSession(call: Call, type: Session['type'], spool?: Spool): Session {
  const s: Session = {
    id: call.st.newId('pid_upload_session:'),
    owner: call.caller.account.id,
    type,
    spool: type === 'sequential' ? (spool ?? call.st.blobs.spool()) : undefined,
    pieces: type === 'concurrent' ? new Map() : undefined,
    closed: false,
    createdAt: Date.now(),
    busy: false,
  };
  call.st.sessions.set(s.id, s);
  return s;
}

/** Commits a planned write while holding its namespace's lock. */
async function commitBlob(
  call: Pick<Call, 'st' | 'caller'>,
  info: CommitInfo,
  size: number,
  contentHash: string,
  seal: () => Promise<Blob>,
) {
  const plan = planCommit(call.st, call.caller, info, { size, contentHash });
  const blob = await seal();
  return fileMeta(call.caller, plan.apply(blob), false);
}

/**
 * Streams one body into a spool and commits it by `info` while holding its namespace's lock
 * (files/upload, temporary upload links). Over 150 MiB throws TooLarge; `check` may refuse the
 * bytes before the commit; `onRefused` takes over the spool of a refused commit and returns
 * what to throw instead of the WriteFailure.
 */
export async function storeBody(
  src: Pick<Call, 'st' | 'caller' | 'body'>,
  info: CommitInfo,
  lockedBy: string,
  opts: { check?: (spool: Spool) => void; onRefused?: (spool: Spool, err: WriteFailure) => unknown } = {},
): Promise<Record<string, unknown>> {
  const { st, caller } = src;
  const release = st.lock(lockNamespace(st, caller, info.path), lockedBy);
  const spool = st.blobs.spool();
  let kept = false;
  try {
    await receive(src, spool);
    spool.commit();
    opts.check?.(spool);
    try {
      return await commitBlob(src, info, spool.size, spool.hash(), () => spool.seal());
    } catch (err) {
      if (!(err instanceof WriteFailure) || !opts.onRefused) throw err;
      kept = true;
      throw opts.onRefused(spool, err);
    }
  } finally {
    release();
    // After a successful seal this is a no-op; otherwise it frees the bytes.
    if (!kept) void spool.discard();
  }
}

function lookupError(s: Session | undefined, offset: number, closing = false): Tagged | undefined {
  if (!s) return tag('not_found');
  if (s.type === 'concurrent') return undefined;
  if (s.busy || offset !== s.spool!.size) return tag('incorrect_offset', { correct_offset: s.spool!.size });
  if (s.closed && !closing) return tag('closed');
  return undefined;
}

async function appendTo(
  call: Call,
  s: Session,
  offset: number,
  close: boolean,
  contentHash: string | undefined,
  wrapLookup: (e: Tagged) => Tagged,
): Promise<void> {
  if (s.type === 'concurrent') {
    // Pieces arrive in any order: closing fixes the end, earlier pieces may still come.
    if (s.closed && offset >= s.end!) throw routeError(wrapLookup(tag('closed')));
    if (offset % BLOCK_SIZE !== 0) throw routeError(wrapLookup(tag('concurrent_session_invalid_offset')));
    const spool = call.st.blobs.spool();
    try {
      const got = await receive(call, spool, !!contentHash);
      if (!close && got.bytes % BLOCK_SIZE !== 0)
        throw routeError(wrapLookup(tag('concurrent_session_invalid_data_size')));
      if (contentHash && contentHash !== got.hash) throw routeError(tag('content_hash_mismatch'));
      spool.commit();
      const replaced = s.pieces!.get(offset);
      s.pieces!.set(offset, spool);
      // A re-sent piece replaces the old one; freeing the old one's disk is best effort.
      if (replaced) void replaced.discard().catch(() => {});
      if (close) {
        s.closed = true;
        s.end = offset + got.bytes;
      }
    } catch (err) {
      await spool.discard();
      throw err;
    }
    return;
  }
  const spool = s.spool!;
  s.busy = true;
  try {
    const got = await receive(call, spool, !!contentHash);
    if (spool.size + spool.pending > MAX_SESSION) throw routeError(wrapLookup(tag('too_large')));
    if (contentHash && contentHash !== got.hash) throw routeError(tag('content_hash_mismatch'));
    spool.commit();
    if (close) s.closed = true;
  } catch (err) {
    // An append is all or nothing: a dropped or refused chunk leaves no bytes behind.
    spool.rollback();
    throw err;
  } finally {
    s.busy = false;
  }
}

/** A concurrent session's pieces, checked for gaps, as one spool. */
async function assemble(call: Call, s: Session): Promise<Spool | Tagged> {
  if (!s.closed) return tag('concurrent_session_not_closed');
  const offsets = [...s.pieces!.keys()].sort((a, b) => a - b);
  let pos = 0;
  for (const o of offsets) {
    if (o !== pos) return tag('concurrent_session_missing_data');
    pos += s.pieces!.get(o)!.size;
  }
  if (pos !== s.end) return tag('concurrent_session_missing_data');
  const whole = call.st.blobs.spool();
  for (const o of offsets) {
    const piece = s.pieces!.get(o)!;
    for await (const c of piece.readCommitted()) await whole.write(c as Buffer);
    await piece.discard();
  }
  whole.commit();
  s.pieces!.clear();
  return whole;
}

/** The finish of one session: used by finish (with a body) and the batch finishes (without). */
async function finishOne(
  call: Call,
  arg: { cursor: { session_id: string; offset: number }; commit: CommitInfo; content_hash?: string },
  withBody: boolean,
) {
  const { st } = call;
  const s = session(st, call, arg.cursor.session_id);
  const lookupFailed = (e: Tagged) => nest('lookup_failed', e);
  const le = lookupError(s, arg.cursor.offset, true);
  if (le) throw routeError(lookupFailed(le));
  if (s!.type === 'sequential') {
    if (withBody && s!.closed) {
      // A closed session takes no more bytes, but an empty finish may retry a commit.
      const got = await receive(call, undefined);
      if (got.bytes > 0) throw routeError(lookupFailed(tag('closed')));
    } else if (withBody) {
      await appendTo(call, s!, arg.cursor.offset, false, undefined, lookupFailed);
    } else if (!s!.closed) {
      throw routeError(lookupFailed(tag('not_closed')));
    }
  } else {
    if (withBody) {
      const got = await receive(call, undefined);
      if (got.bytes > 0) throw routeError(tag('concurrent_session_data_not_allowed'));
    }
    const whole = await assemble(call, s!);
    if (!('seal' in whole)) throw routeError(whole as Tagged);
    s!.type = 'sequential';
    s!.spool = whole as Spool;
    s!.closed = true;
  }
  const spool = s!.spool!;
  if (arg.content_hash && arg.content_hash !== spool.hash()) throw routeError(tag('content_hash_mismatch'));
  try {
    const m = await commitBlob(call, arg.commit, spool.size, spool.hash(), () => spool.seal());
    st.sessions.delete(s!.id);
    return m;
  } catch (err) {
    if (err instanceof WriteFailure) throw routeError(nest('path', err.error));
    throw err;
  }
}

/** Locks every namespace a batch writes to; one commit per namespace at a time. */
function lockAll(call: Call, namespaces: FolderNode[]): () => void {
  const releases: Array<() => void> = [];
  try {
    for (const ns of new Set(namespaces)) releases.push(call.st.lock(ns, call.route.name));
  } catch (err) {
    for (const r of releases) r();
    throw err;
  }
  return () => releases.forEach((r) => r());
}

async function finishBatch(call: Call): Promise<unknown[]> {
  const entries = call.arg.entries as Array<{
    cursor: { session_id: string; offset: number };
    commit: CommitInfo;
    content_hash?: string;
  }>;
  const release = lockAll(
    call,
    entries.map((e) => lockNamespace(call.st, call.caller, e.commit.path)),
  );
  try {
    const out: unknown[] = [];
    for (const e of entries) {
      try {
        out.push({ '.tag': 'success', ...(await finishOne(call, e, false)) });
      } catch (err) {
        if (err instanceof ApiError && err.status === 409)
          out.push({ '.tag': 'failure', failure: (err.body as { error: unknown }).error });
        else throw err;
      }
    }
    return out;
  } finally {
    release();
  }
}

export const uploadRoutes: RouteDef[] = [
  {
    name: 'files/upload',
    style: 'upload',
    auth: 'user',
    scope: 'files.content.write',
    arg: t.struct({ ...COMMIT_FIELDS, content_hash: opt(SHA256_HEX) }),
    async handle(call) {
      const { arg } = call;
      if (declaredTooLarge(call)) throw routeError(tag('payload_too_large'));
      try {
        return await storeBody(call, arg, call.route.name, {
          check(spool) {
            if (arg.content_hash && arg.content_hash !== spool.hash()) throw routeError(tag('content_hash_mismatch'));
          },
          onRefused(spool, err) {
            // The bytes stay in a closed session: finish it to retry the commit.
            const s = newSession(call, 'sequential', spool);
            s.closed = true;
            return routeError({ '.tag': 'path', reason: err.error, upload_session_id: s.id });
          },
        });
      } catch (err) {
        if (err instanceof TooLarge) throw routeError(tag('payload_too_large'));
        throw err;
      }
    },
  },
  {
    name: 'files/upload_session/start',
    style: 'upload',
    auth: 'user',
    scope: 'files.content.write',
    arg: t.struct({
      close: bool(false),
      session_type: opt(t.union({ sequential: null, concurrent: null })),
      content_hash: opt(SHA256_HEX),
    }),
    async handle(call) {
      const { arg } = call;
      if (declaredTooLarge(call)) throw routeError(tag('payload_too_large'));
      const type = arg.session_type?.tag === 'concurrent' ? 'concurrent' : 'sequential';
      if (type === 'concurrent') {
        if (arg.close) throw routeError(tag('concurrent_session_close_not_allowed'));
        const got = await receive(call, undefined).catch((err) => {
          throw err instanceof TooLarge ? routeError(tag('payload_too_large')) : err;
        });
        if (got.bytes > 0) throw routeError(tag('concurrent_session_data_not_allowed'));
        return { session_id: newSession(call, 'concurrent').id };
      }
      const spool = call.st.blobs.spool();
      try {
        const got = await receive(call, spool, !!arg.content_hash);
        if (arg.content_hash && arg.content_hash !== got.hash) throw routeError(tag('content_hash_mismatch'));
      } catch (err) {
        await spool.discard();
        if (err instanceof TooLarge) throw routeError(tag('payload_too_large'));
        throw err;
      }
      spool.commit();
      const s = newSession(call, 'sequential', spool);
      s.closed = arg.close;
      return { session_id: s.id };
    },
  },
  ...(['files/upload_session/append_v2', 'files/upload_session/append'] as const).map((name): RouteDef => ({
    name,
    style: 'upload',
    auth: 'user',
    scope: 'files.content.write',
    // v1 takes the cursor itself as its argument.
    arg: name.endsWith('_v2')
      ? t.struct({ cursor: CURSOR, close: bool(false), content_hash: opt(SHA256_HEX) })
      : CURSOR,
    async handle(call) {
      const a = name.endsWith('_v2') ? call.arg : { cursor: call.arg, close: false };
      if (declaredTooLarge(call)) throw routeError(tag('payload_too_large'));
      const s = session(call.st, call, a.cursor.session_id);
      const le = lookupError(s, a.cursor.offset);
      if (le) throw routeError(le);
      try {
        await appendTo(call, s!, a.cursor.offset, a.close, a.content_hash, (e) => e);
      } catch (err) {
        if (err instanceof TooLarge) throw routeError(tag('payload_too_large'));
        throw err;
      }
      return null;
    },
  })),
  {
    name: 'files/upload_session/finish',
    style: 'upload',
    auth: 'user',
    scope: 'files.content.write',
    arg: FINISH_ARG,
    async handle(call) {
      if (declaredTooLarge(call)) throw routeError(tag('payload_too_large'));
      const release = call.st.lock(lockNamespace(call.st, call.caller, call.arg.commit.path), call.route.name);
      try {
        return await finishOne(call, call.arg, true);
      } catch (err) {
        if (err instanceof TooLarge) throw routeError(tag('payload_too_large'));
        throw err;
      } finally {
        release();
      }
    },
  },
  {
    name: 'files/upload_session/finish_batch_v2',
    style: 'rpc',
    auth: 'user',
    scope: 'files.content.write',
    arg: t.struct({ entries: t.list(FINISH_ARG, { max: 1000 }) }),
    async handle(call) {
      return { entries: await finishBatch(call) };
    },
  },
  {
    name: 'files/upload_session/finish_batch',
    style: 'rpc',
    auth: 'user',
    scope: 'files.content.write',
    arg: t.struct({ entries: t.list(FINISH_ARG, { max: 1000 }) }),
    async handle(call) {
      return {
        '.tag': 'async_job_id',
        async_job_id: call.st.addJob({ '.tag': 'complete', entries: await finishBatch(call) }),
      };
    },
  },
  jobCheckRoute('files/upload_session/finish_batch/check'),
  {
    name: 'files/upload_session/start_batch',
    style: 'rpc',
    auth: 'user',
    scope: 'files.content.write',
    arg: t.struct({
      session_type: opt(t.union({ sequential: null, concurrent: null })),
      num_sessions: t.uint({ min: 1, max: 1000 }),
    }),
    async handle(call) {
      const type = call.arg.session_type?.tag === 'concurrent' ? 'concurrent' : 'sequential';
      return { session_ids: Array.from({ length: call.arg.num_sessions }, () => newSession(call, type).id) };
    },
  },
];
