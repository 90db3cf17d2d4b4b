// One transfer in its own process, so its peak RSS is the connector's alone (the
// emulator runs in the parent). Prints one JSON line: { seconds, bytes, peakRssMB }.
import { stat } from 'node:fs/promises';
import { Agent } from 'undici';
import { createDropboxClient } from '../plugins/dropbox/api/client.ts';
import { downloadBig, uploadBig, type Wire } from './wire.ts';

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
// The baseline ("raw"): plain undici requests to the same session routes, same chunk size.
const wire: Wire = { api: job.url, content: job.url, token: job.token, dispatcher };

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
else if (job.kind === 'raw-upload') await uploadBig(wire, job.local, job.remote, job.chunkSize);
else await downloadBig(wire, job.remote, job.local);
const seconds = (performance.now() - started) / 1000;
clearInterval(timer);
peak = Math.max(peak, process.memoryUsage().rss);
const bytes = (await stat(job.local)).size;
process.stdout.write(
  `${JSON.stringify({ seconds, bytes, peakRssMB: peak / 1024 / 1024, idleRssMB: idle / 1024 / 1024 })}\n`,
);
await dispatcher.close();
