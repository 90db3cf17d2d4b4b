// Uploads of one file, streamed from disk with bounded memory:
// - files up to `simpleMax` go in one files/upload (content_hash from a first read,
//   sent so Dropbox rejects a mismatch);
// - bigger files go through an upload session in fixed chunks (a multiple of 4 MiB),
//   each chunk streamed from the file and re-opened at its offset on a replay, never
//   buffered; the last chunk closes the session; the commit (finish) is queued per namespace.
// Many files at once: upload-many.ts, on the session code here.
// The content_hash is computed from the bytes as they are sent and compared with the
// one Dropbox returns; it is also sent with the commit.
import { createReadStream, type Stats } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Transport, Body } from './http.ts';
import type { FileMetadata, UploadOptions, WriteMode } from './types.ts';
import { ContentHasher, combineBlockDigests, hashFileRegion } from './content-hash.ts';
import { DropboxError, IncorrectOffsetError, IntegrityError, RouteError } from './errors.ts';
import { eachLimited } from './each-limited.ts';
import type { Idempotency } from './retry.ts';
import type { CheckpointSlot, UploadCheckpoints } from './upload-checkpoints.ts';

export const MAX_REQUEST_BODY = 150 * 1024 * 1024;

export interface UploadContext {
  t: Transport;
  /** Runs a commit in the target namespace's queue. */
  commit: <T>(fn: () => Promise<T>) => Promise<T>;
  chunkSize: number;
  /** Largest file sent with one files/upload. */
  simpleMax: number;
  /** Parallel appends for one large file (concurrent session); 1 = one sequential session. */
  parallelChunks: number;
  /** Files in flight in uploadMany. */
  manyConcurrency: number;
  getMetadata: (path: string, signal?: AbortSignal) => Promise<FileMetadata | { '.tag': 'folder' } | undefined>;
  /** Where large uploads checkpoint their sessions; none: every upload starts at byte 0. */
  checkpoints?: UploadCheckpoints;
}

export interface CommitInfo {
  path: string;
  mode: unknown;
  autorename: boolean;
  client_modified: string;
  mute: boolean;
  strict_conflict: boolean;
}

function modeArg(m: WriteMode | undefined): unknown {
  if (m === undefined || m === 'add') return { '.tag': 'add' };
  if (m === 'overwrite') return { '.tag': 'overwrite' };
  return { '.tag': 'update', update: m.update };
}

/** Dropbox wants UTC seconds: YYYY-MM-DDTHH:MM:SSZ. */
function isoSeconds(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** What a commit sends for one file; the file's mtime stands in for a missing clientModified. */
export function commitInfo(
  path: string,
  o: { mode?: WriteMode; autorename?: boolean; strictConflict?: boolean; clientModified?: Date },
  st: Stats,
): CommitInfo {
  return {
    path,
    mode: modeArg(o.mode),
    autorename: o.autorename ?? false,
    client_modified: isoSeconds(o.clientModified ?? st.mtime),
    mute: false,
    strict_conflict: o.strictConflict ?? false,
  };
}

/** A repeat of a commit with autorename or strict_conflict could add a second copy or fail falsely. */
function commitIdempotency(c: CommitInfo): Idempotency {
  return c.autorename || c.strict_conflict ? 'once' : 'safe';
}

interface Progress {
  add(n: number): void;
}

/** Streams file bytes [start, start+length) through `onData`; a fresh stream per attempt. */
function fileBody(path: string, start: number, length: number, onData: (b: Buffer) => void): () => Body {
  return () => {
    if (length === 0) return { data: Buffer.alloc(0), length: 0 };
    const rs = createReadStream(path, { start, end: start + length - 1, highWaterMark: 1024 * 1024 });
    return {
      length,
      data: (async function* () {
        for await (const c of rs) {
          onData(c as Buffer);
          yield c as Buffer;
        }
      })(),
    };
  };
}

export interface SessionResult {
  sessionId: string;
  size: number;
  contentHash: string;
}

/**
 * Sends a whole file into a new upload session and closes it. Chunks are
 * `chunkSize` bytes; with parallelChunks > 1 a concurrent session takes them in
 * parallel (each a multiple of 4 MiB, as Dropbox requires). A sequential session is
 * checkpointed in `checkpoint` after each acknowledged append and resumed from it; a
 * concurrent one is not (its chunks land out of order, so no single offset says what is in,
 * and Dropbox cannot be asked which are; it is off by default and no connection setting
 * turns it on, so a per-chunk record is not worth its complexity).
 */
export async function uploadSessionData(
  ctx: UploadContext,
  localPath: string,
  size: number,
  progress: Progress,
  signal?: AbortSignal,
  checkpoint?: CheckpointSlot,
): Promise<SessionResult> {
  const chunk = ctx.chunkSize;
  const nChunks = Math.max(1, Math.ceil(size / chunk));
  const digests: Buffer[][] = new Array(nChunks);
  const concurrent = ctx.parallelChunks > 1 && nChunks > 2;

  /** Sends chunk i (bytes from `from` to its end) once, with replays from the file; records its block digests. */
  const sendChunk = async (
    i: number,
    route: string,
    arg: (offset: number) => unknown,
    close: boolean,
    resumeAt?: number,
  ): Promise<unknown> => {
    const start = i * chunk;
    const end = Math.min(size, start + chunk);
    let from = resumeAt ?? start;
    for (let resyncs = 0; ; resyncs++) {
      let hasher = new ContentHasher();
      let counted = 0;
      const body = fileBody(localPath, from, end - from, (b) => {
        hasher.update(b);
        counted += b.length;
        progress.add(b.length);
      });
      try {
        const res = await ctx.t.send<unknown>({
          route,
          style: 'upload',
          arg: arg(from),
          idempotency: 'safe',
          signal,
          bytes: end - from,
          body: () => {
            progress.add(-counted);
            counted = 0;
            hasher = new ContentHasher();
            return body();
          },
        });
        // A chunk sent whole is hashed already; one finished after a resync is re-read once.
        digests[i] =
          from === start && hasher.bytes === end - start
            ? hasher.blockDigests()
            : (await hashFileRegion(localPath, start, end - start, signal)).blockDigests();
        return res.result;
      } catch (err) {
        progress.add(-counted);
        // A closing append whose reply was lost finds the session closed: it went in whole.
        if (close && err instanceof DropboxError && err.mentions('closed') && resyncs === 0 && i > 0) {
          progress.add(end - from);
          digests[i] = (await hashFileRegion(localPath, start, end - start, signal)).blockDigests();
          return null;
        }
        // An append whose reply was lost is replayed and answered incorrect_offset:
        // continue from where the server is (as rclone does), if that is in this chunk.
        if (err instanceof IncorrectOffsetError && !concurrent && resyncs < 3) {
          const c = err.correctOffset;
          if (c === end && !close) {
            progress.add(end - from);
            digests[i] = (await hashFileRegion(localPath, start, end - start, signal)).blockDigests();
            return null;
          }
          if (c > from && c < end) {
            progress.add(c - from);
            from = c;
            continue;
          }
        }
        throw err;
      }
    }
  };

  /**
   * Continues a checkpointed sequential session: the prefix already sent is re-read from
   * the file for its block digests, then the rest of the chunk holding `offset` is sent.
   * Undefined (and the checkpoint dropped) when the server no longer has the session or
   * it is not where the checkpoint says: the upload then starts clean.
   */
  const resumeSession = async (cp: CheckpointSlot): Promise<{ sessionId: string; next: number } | undefined> => {
    const point = await cp.resume();
    if (!point) return undefined;
    let offset = point.offset;
    // incorrect_offset names where the session really is; follow it a few times at most.
    for (let tries = 0; tries < 3 && offset > 0 && offset <= size; tries++) {
      const k = Math.floor(offset / chunk);
      // All bytes in (the closing append went in): only the finish is left.
      const hashed = offset === size ? nChunks : k;
      if (hashed > 0) {
        const head = await hashFileRegion(localPath, 0, Math.min(size, hashed * chunk), signal);
        digests.fill([], 0, hashed);
        digests[0] = head.blockDigests();
      }
      progress.add(offset);
      if (offset === size) return { sessionId: point.sessionId, next: nChunks };
      const close = k === nChunks - 1;
      try {
        await sendChunk(
          k,
          'files/upload_session/append_v2',
          (o) => ({ cursor: { session_id: point.sessionId, offset: o }, close }),
          close,
          offset,
        );
        return { sessionId: point.sessionId, next: k + 1 };
      } catch (err) {
        progress.add(-offset);
        if (err instanceof IncorrectOffsetError) {
          offset = err.correctOffset;
          continue;
        }
        // not_found (expired, or another server's), closed, ...: the session is no use.
        if (err instanceof RouteError) break;
        throw err;
      }
    }
    digests.fill([]);
    await cp.remove();
    return undefined;
  };

  let sessionId: string;
  if (!concurrent) {
    const append = (i: number, resumeAt?: number) => {
      const close = i === nChunks - 1;
      return sendChunk(
        i,
        'files/upload_session/append_v2',
        (offset) => ({ cursor: { session_id: sessionId, offset }, close }),
        close,
        resumeAt,
      );
    };
    // After each acknowledged chunk but the closing one (a closed session is finished next).
    const checkpointAt = async (i: number) => {
      if (checkpoint && i < nChunks - 1) await checkpoint.save({ sessionId, offset: (i + 1) * chunk });
    };
    const resumed = checkpoint && (await resumeSession(checkpoint));
    let next: number;
    if (resumed) {
      sessionId = resumed.sessionId;
      next = resumed.next;
    } else {
      const r = (await sendChunk(0, 'files/upload_session/start', () => ({ close: nChunks === 1 }), nChunks === 1)) as {
        session_id: string;
      } | null;
      if (!r)
        throw new DropboxError('files/upload_session/start: no session id returned', {
          route: 'files/upload_session/start',
        });
      sessionId = r.session_id;
      await checkpointAt(0);
      next = 1;
    }
    for (let i = next; i < nChunks; i++) {
      await append(i);
      await checkpointAt(i);
    }
  } else {
    const r = await ctx.t.send<{ session_id: string }>({
      route: 'files/upload_session/start',
      style: 'upload',
      arg: { close: false, session_type: { '.tag': 'concurrent' } },
      idempotency: 'safe',
      signal,
    });
    sessionId = r.result.session_id;
    const last = nChunks - 1;
    // A failed chunk stops the others from taking more; the session is abandoned.
    await eachLimited(
      last,
      ctx.parallelChunks,
      async (i) => {
        await sendChunk(
          i,
          'files/upload_session/append_v2',
          (offset) => ({ cursor: { session_id: sessionId, offset }, close: false }),
          false,
        );
      },
      signal,
    );
    // The closing append goes last, once every other chunk is in.
    await sendChunk(
      last,
      'files/upload_session/append_v2',
      (offset) => ({ cursor: { session_id: sessionId, offset }, close: true }),
      true,
    );
  }
  return { sessionId, size, contentHash: combineBlockDigests(digests.flat()) };
}

export async function uploadFile(
  ctx: UploadContext,
  localPath: string,
  path: string,
  opts: UploadOptions,
): Promise<FileMetadata> {
  const st = await stat(localPath);
  try {
    return await uploadStable(ctx, localPath, path, opts, st);
  } catch (err) {
    // A file still being written fails with a body-length error from deep in the HTTP
    // client; say what actually happened.
    const now = await stat(localPath).catch(() => undefined);
    if (!(err instanceof IntegrityError) && (!now || now.size !== st.size || now.mtimeMs !== st.mtimeMs)) {
      const route = st.size <= ctx.simpleMax ? 'files/upload' : 'files/upload_session/finish';
      throw new IntegrityError(
        `${route}: ${localPath} changed while it was being uploaded (${st.size} bytes at the start, ${now ? `${now.size} now` : 'now gone'}); nothing was committed, upload it again once it is no longer being written`,
        { route, tags: ['local_file_changed'] },
      );
    }
    throw err;
  }
}

async function uploadStable(
  ctx: UploadContext,
  localPath: string,
  path: string,
  opts: UploadOptions,
  st: Stats,
): Promise<FileMetadata> {
  if (!st.isFile())
    throw new DropboxError(`files/upload: ${localPath} is not a regular file`, { route: 'files/upload' });
  const size = st.size;
  const commit = commitInfo(path, opts, st);
  let done = 0;
  const progress: Progress = {
    add: (n) => {
      done += n;
      opts.onProgress?.(done, size);
    },
  };
  opts.onProgress?.(0, size);

  if (size <= ctx.simpleMax) {
    // One request does data and commit. The hash comes from a first read (the second
    // read is served from the page cache) so Dropbox itself rejects changed bytes.
    const expected = (await hashFileRegion(localPath, 0, size, opts.signal)).digest();
    let sentHash: ContentHasher | undefined;
    let counted = 0;
    const md = await ctx.commit(
      async () =>
        (
          await ctx.t.send<FileMetadata>({
            route: 'files/upload',
            style: 'upload',
            arg: { ...commit, content_hash: expected },
            idempotency: commitIdempotency(commit),
            paths: [path],
            bytes: size,
            signal: opts.signal,
            body: () => {
              progress.add(-counted);
              counted = 0;
              sentHash = new ContentHasher();
              const h = sentHash;
              return fileBody(localPath, 0, size, (b) => {
                h.update(b);
                counted += b.length;
                progress.add(b.length);
              })();
            },
          })
        ).result,
    );
    const local = sentHash && sentHash.bytes === size ? sentHash.digest() : expected;
    return verify('files/upload', path, md, local);
  }

  const checkpoint = ctx.checkpoints?.slot(localPath, path, st);
  try {
    const s = await uploadSessionData(ctx, localPath, size, progress, opts.signal, checkpoint);
    const md = await finishSession(ctx, s, commit, opts.signal);
    await checkpoint?.remove();
    return verify('files/upload_session/finish', path, md, s.contentHash);
  } catch (err) {
    // Dropbox refused (the session, the commit or the bytes): a later run must start
    // clean. An abort or a network or server failure keeps the checkpoint to resume from.
    if (err instanceof RouteError || err instanceof IntegrityError) await checkpoint?.remove();
    throw err;
  }
}

async function finishSession(
  ctx: UploadContext,
  s: SessionResult,
  commit: CommitInfo,
  signal?: AbortSignal,
): Promise<FileMetadata> {
  try {
    return await ctx.commit(
      async () =>
        (
          await ctx.t.send<FileMetadata>({
            route: 'files/upload_session/finish',
            style: 'upload',
            arg: { cursor: { session_id: s.sessionId, offset: s.size }, commit, content_hash: s.contentHash },
            idempotency: commitIdempotency(commit),
            paths: [commit.path],
            bytes: s.size,
            signal,
          })
        ).result,
    );
  } catch (err) {
    // A replayed finish whose first attempt committed finds its session gone; the
    // file is there with our hash if so.
    if (err instanceof DropboxError && err.tags[0] === 'lookup_failed' && !commit.autorename) {
      const md = await ctx.getMetadata(commit.path, signal);
      if (md && md['.tag'] === 'file' && md.content_hash === s.contentHash) return md;
    }
    throw err;
  }
}

export function verify(route: string, path: string, md: FileMetadata, local: string): FileMetadata {
  if (md.content_hash !== undefined && md.content_hash !== local) {
    throw new IntegrityError(
      `${route}: ${JSON.stringify(path)} was stored with content_hash ${md.content_hash} but the bytes sent hash to ${local}; the file changed while uploading or was corrupted in transit`,
      { route, tags: ['content_hash_mismatch'] },
    );
  }
  return md;
}
