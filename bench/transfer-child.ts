// One transfer in its own process, so its peak RSS is the connector's alone (the
// emulator runs in the parent). Prints one JSON line: { seconds, bytes, peakRssMB }.
import { createReadStream, createWriteStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { Agent, request } from 'undici';
import { createDropboxClient } from '../plugins/dropbox/api/client.ts';
import { encodeArg } from '../plugins/dropbox/api/arg-header.ts';

interface Job {
  kind: 'upload' | 'download' | 'raw-upload' | 'raw-download';
  url: string;
  token: string;
  local: string;
  remote: string;
  chunkSize: number;
  parallelChunks?: number;
  simpleUploadMax?: number;
}

const job = JSON.parse(process.argv[2]!) as Job;
const idle = process.memoryUsage().rss;
let peak = idle;
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage().rss);
}, 25);
const dispatcher = new Agent({ keepAliveTimeout: 30_000, headersTimeout: 600_000, bodyTimeout: 600_000 });
const token = { token: async () => job.token, refresh: async () => job.token };
const auth = { authorization: `Bearer ${job.token}` };

async function rawUpload(): Promise<void> {
  // The baseline: plain undici requests streaming the file to the same session routes,
  // same chunk size; no hashing, no progress, no retry layer, no namespace queue.
  const size = (await stat(job.local)).size;
  const post = async (route: string, arg: unknown, start: number, end: number) => {
    const body =
      end > start ? createReadStream(job.local, { start, end: end - 1, highWaterMark: 1024 * 1024 }) : Buffer.alloc(0);
    const r = await request(`${job.url}/2/${route}`, {
      method: 'POST',
      dispatcher,
      body,
      headers: {
        ...auth,
        'content-type': 'application/octet-stream',
        'content-length': String(end - start),
        'dropbox-api-arg': encodeArg(arg),
      },
    });
    const text = await r.body.text();
    if (r.statusCode !== 200) throw new Error(`${route}: ${r.statusCode} ${text}`);
    return text ? JSON.parse(text) : null;
  };
  const first = Math.min(size, job.chunkSize);
  const { session_id } = await post('files/upload_session/start', { close: false }, 0, first);
  for (let off = first; off < size; off += job.chunkSize) {
    await post(
      'files/upload_session/append_v2',
      { cursor: { session_id, offset: off }, close: false },
      off,
      Math.min(size, off + job.chunkSize),
    );
  }
  await post(
    'files/upload_session/finish',
    { cursor: { session_id, offset: size }, commit: { path: job.remote, mode: 'overwrite' } },
    0,
    0,
  );
}

async function rawDownload(): Promise<void> {
  const r = await request(`${job.url}/2/files/download`, {
    method: 'POST',
    dispatcher,
    headers: { ...auth, 'dropbox-api-arg': encodeArg({ path: job.remote }) },
  });
  if (r.statusCode !== 200) throw new Error(`download: ${r.statusCode} ${await r.body.text()}`);
  await pipeline(r.body, createWriteStream(job.local));
}

const client = createDropboxClient({
  dispatcher,
  token,
  endpoints: { api: job.url, content: job.url },
  chunkSize: job.chunkSize,
  parallelChunks: job.parallelChunks ?? 1,
  simpleUploadMax: job.simpleUploadMax,
});
const started = performance.now();
if (job.kind === 'upload') await client.upload(job.local, job.remote, { mode: 'overwrite' });
else if (job.kind === 'download') await client.download(job.remote, job.local);
else if (job.kind === 'raw-upload') await rawUpload();
else await rawDownload();
const seconds = (performance.now() - started) / 1000;
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().rss);
const bytes = (await stat(job.local)).size;
process.stdout.write(
  `${JSON.stringify({ seconds, bytes, peakRssMB: peak / 1024 / 1024, idleRssMB: idle / 1024 / 1024 })}\n`,
);
await dispatcher.close();
