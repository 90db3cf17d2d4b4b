// "The wire": the least a client can do for each bench scenario, as plain undici
// requests to the same routes (no hashing, no retry layer, no progress, no temp files),
// so the other peers' times read against what the sandbox and the link allow.
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { request, type Dispatcher } from 'undici';
import { encodeArg } from '../plugins/dropbox/api/arg-header.ts';

export interface Wire {
  /** e.g. https://api.dropboxapi.com (no trailing slash). */
  api: string;
  content: string;
  token: string;
  dispatcher: Dispatcher;
}

interface Entry {
  '.tag': 'file' | 'folder' | 'deleted';
  name: string;
  path_lower: string;
  path_display: string;
  id: string;
  size?: number;
  client_modified?: string;
  server_modified?: string;
  content_hash?: string;
  rev?: string;
}

const auth = (w: Wire) => ({ authorization: `Bearer ${w.token}` });

export async function rpc<T>(w: Wire, route: string, arg: unknown): Promise<T> {
  const r = await request(`${w.api}/2/${route}`, {
    method: 'POST',
    dispatcher: w.dispatcher,
    body: JSON.stringify(arg),
    headers: { ...auth(w), 'content-type': 'application/json' },
  });
  const text = await r.body.text();
  if (r.statusCode !== 200) throw new Error(`${route}: ${r.statusCode} ${text}`);
  return JSON.parse(text) as T;
}

/** A content-style upload route: the file's bytes [start, end) as the body. */
async function post<T>(w: Wire, route: string, arg: unknown, local: string, start: number, end: number): Promise<T> {
  const body =
    end > start ? createReadStream(local, { start, end: end - 1, highWaterMark: 1024 * 1024 }) : Buffer.alloc(0);
  const r = await request(`${w.content}/2/${route}`, {
    method: 'POST',
    dispatcher: w.dispatcher,
    body,
    headers: {
      ...auth(w),
      'content-type': 'application/octet-stream',
      'content-length': String(end - start),
      'dropbox-api-arg': encodeArg(arg),
    },
  });
  const text = await r.body.text();
  if (r.statusCode !== 200) throw new Error(`${route}: ${r.statusCode} ${text}`);
  return (text ? JSON.parse(text) : null) as T;
}

/** One upload session: start, append_v2 per chunk, finish. */
export async function uploadBig(w: Wire, local: string, remote: string, chunkSize: number): Promise<void> {
  const size = (await stat(local)).size;
  const first = Math.min(size, chunkSize);
  const { session_id } = await post<{ session_id: string }>(
    w,
    'files/upload_session/start',
    { close: false },
    local,
    0,
    first,
  );
  for (let off = first; off < size; off += chunkSize) {
    const arg = { cursor: { session_id, offset: off }, close: false };
    await post(w, 'files/upload_session/append_v2', arg, local, off, Math.min(size, off + chunkSize));
  }
  const finish = { cursor: { session_id, offset: size }, commit: { path: remote, mode: 'overwrite' } };
  await post(w, 'files/upload_session/finish', finish, local, 0, 0);
}

/** One files/download piped into a file. */
export async function downloadBig(w: Wire, remote: string, local: string): Promise<void> {
  const r = await request(`${w.content}/2/files/download`, {
    method: 'POST',
    dispatcher: w.dispatcher,
    headers: { ...auth(w), 'dropbox-api-arg': encodeArg({ path: remote }) },
  });
  if (r.statusCode !== 200) throw new Error(`download ${remote}: ${r.statusCode} ${await r.body.text()}`);
  await pipeline(r.body, createWriteStream(local));
}

/** Runs `work` on every item with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}

/** Every file of a folder: one closed session each (`inFlight` at once), then one finish_batch_v2 per 1,000. */
export async function uploadMany(w: Wire, localDir: string, remoteDir: string, inFlight: number): Promise<void> {
  const names = await readdir(localDir);
  const entries: unknown[] = [];
  await pool(names, inFlight, async (name) => {
    const local = join(localDir, name);
    const size = (await stat(local)).size;
    const { session_id } = await post<{ session_id: string }>(
      w,
      'files/upload_session/start',
      { close: true },
      local,
      0,
      size,
    );
    entries.push({ cursor: { session_id, offset: size }, commit: { path: `${remoteDir}/${name}`, mode: 'overwrite' } });
  });
  for (let i = 0; i < entries.length; i += 1000) {
    const res = await rpc<{ entries: Array<{ '.tag': string }> }>(w, 'files/upload_session/finish_batch_v2', {
      entries: entries.slice(i, i + 1000),
    });
    const failed = res.entries.filter((e) => e['.tag'] !== 'success');
    if (failed.length) throw new Error(`finish_batch_v2: ${failed.length} failed: ${JSON.stringify(failed[0])}`);
  }
}

/** Every entry below a folder (list_folder, then list_folder/continue while has_more). */
export async function listAll(w: Wire, remoteDir: string, recursive: boolean): Promise<Entry[]> {
  const out: Entry[] = [];
  type Page = { entries: Entry[]; cursor: string; has_more: boolean };
  let page = await rpc<Page>(w, 'files/list_folder', { path: remoteDir, recursive, limit: 2000 });
  out.push(...page.entries);
  while (page.has_more) {
    page = await rpc<Page>(w, 'files/list_folder/continue', { cursor: page.cursor });
    out.push(...page.entries);
  }
  return out;
}

export async function downloadMany(w: Wire, remoteDir: string, localDir: string, inFlight: number): Promise<void> {
  const files = (await listAll(w, remoteDir, false)).filter((e) => e['.tag'] === 'file');
  await pool(files, inFlight, (f) => downloadBig(w, f.path_lower, join(localDir, f.name)));
}

const csvCell = (v: unknown) => {
  const s = v === undefined ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** Files as CSV with the columns of dropcron's list task (the SDK peer writes the same). */
export function filesCsv(files: Array<Partial<Omit<Entry, '.tag'>>>): string {
  const cols = ['name', 'path_display', 'size', 'client_modified', 'server_modified', 'content_hash', 'id', 'rev'];
  const rows = files.map((f) => ['file', ...cols.map((c) => f[c as keyof typeof f])].map(csvCell).join(','));
  return `${['type,name,path,size,client_modified,server_modified,content_hash,id,rev', ...rows].join('\n')}\n`;
}

/** A recursive listing to CSV. */
export async function listCsv(w: Wire, remoteDir: string, outFile: string): Promise<void> {
  await writeFile(outFile, filesCsv((await listAll(w, remoteDir, true)).filter((e) => e['.tag'] === 'file')));
}

/** Every file in a folder, by delete_batch of 1,000 and delete_batch/check until complete. */
export async function deleteFiles(w: Wire, remoteDir: string): Promise<void> {
  const files = (await listAll(w, remoteDir, false)).filter((e) => e['.tag'] === 'file');
  for (let i = 0; i < files.length; i += 1000) {
    const entries = files.slice(i, i + 1000).map((f) => ({ path: f.path_lower }));
    type Job = { '.tag': string; async_job_id?: string };
    let job = await rpc<Job>(w, 'files/delete_batch', { entries });
    const id = job.async_job_id;
    while (id !== undefined && (job['.tag'] === 'async_job_id' || job['.tag'] === 'in_progress'))
      job = await rpc<Job>(w, 'files/delete_batch/check', { async_job_id: id });
    if (job['.tag'] !== 'complete') throw new Error(`delete_batch: ${JSON.stringify(job).slice(0, 300)}`);
  }
}
