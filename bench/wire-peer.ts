// The wire as a bench peer: one scenario per process (bundled and run under bare node,
// like the other peers' whole commands), through the bench's CONNECT proxy with the
// bench CA trusted (NODE_EXTRA_CA_CERTS), to Dropbox's host names.
import { ProxyAgent } from 'undici';
import { deleteFiles, downloadBig, downloadMany, listCsv, uploadBig, uploadMany, type Wire } from './wire.ts';

export interface WireJob {
  op: 'upload-big' | 'download-big' | 'upload-many' | 'download-many' | 'list-csv' | 'delete';
  proxy: string;
  token: string;
  local: string;
  remote: string;
  chunkSize: number;
  inFlight: number;
}

const job = JSON.parse(process.argv[2]!) as WireJob;
const dispatcher = new ProxyAgent({ uri: job.proxy, keepAliveTimeout: 30_000, bodyTimeout: 600_000 });
const w: Wire = {
  api: 'https://api.dropboxapi.com',
  content: 'https://content.dropboxapi.com',
  token: job.token,
  dispatcher,
};
const ops: Record<WireJob['op'], () => Promise<void>> = {
  'upload-big': () => uploadBig(w, job.local, job.remote, job.chunkSize),
  'download-big': () => downloadBig(w, job.remote, job.local),
  'upload-many': () => uploadMany(w, job.local, job.remote, job.inFlight),
  'download-many': () => downloadMany(w, job.remote, job.local, job.inFlight),
  'list-csv': () => listCsv(w, job.remote, job.local),
  delete: () => deleteFiles(w, job.remote),
};
await ops[job.op]();
await dispatcher.close();
