// The official JavaScript SDK (npm `dropbox`) as a bench peer, used the way its
// documentation and examples show: filesUpload in a loop for small files, an upload
// session in 8 MB pieces for a big one (the examples' `maxBlob`), filesDownload with
// the whole file in `fileBinary`, list_folder pages, delete_batch. The one addition is
// the route to the sandbox: its `fetch` option gets undici's fetch through the bench's
// CONNECT proxy (Node's fetch has no HTTPS_PROXY), and NODE_EXTRA_CA_CERTS trusts the CA.
import { open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Dropbox, type files } from 'dropbox';
import { fetch as undiciFetch, ProxyAgent } from 'undici';
import type { WireJob } from './wire-peer.ts';
import { filesCsv } from './wire.ts';

const job = JSON.parse(process.argv[2]!) as WireJob;
const dispatcher = new ProxyAgent({ uri: job.proxy, bodyTimeout: 600_000 });
const fetch = ((url: string, init: object) =>
  undiciFetch(url, { ...init, dispatcher })) as unknown as typeof globalThis.fetch;
const dbx = new Dropbox({ accessToken: job.token, fetch });
const overwrite = { '.tag': 'overwrite' } as const;
const MAX_BLOB = 8 * 1000 * 1000;

async function uploadBig(): Promise<void> {
  const size = (await stat(job.local)).size;
  const fh = await open(job.local);
  const piece = async (offset: number) => {
    const buf = Buffer.alloc(Math.min(MAX_BLOB, size - offset));
    await fh.read(buf, 0, buf.length, offset);
    return buf;
  };
  const { result } = await dbx.filesUploadSessionStart({ close: false, contents: await piece(0) });
  let offset = Math.min(MAX_BLOB, size);
  for (; offset < size; offset += MAX_BLOB) {
    const contents = await piece(offset);
    await dbx.filesUploadSessionAppendV2({ cursor: { session_id: result.session_id, offset }, close: false, contents });
  }
  await dbx.filesUploadSessionFinish({
    cursor: { session_id: result.session_id, offset: size },
    commit: { path: job.remote, mode: overwrite },
  });
  await fh.close();
}

async function download(remote: string, local: string): Promise<void> {
  const { result } = await dbx.filesDownload({ path: remote });
  await writeFile(local, (result as unknown as { fileBinary: Buffer }).fileBinary);
}

async function listAll(path: string, recursive: boolean): Promise<files.FileMetadataReference[]> {
  const out: files.FileMetadataReference[] = [];
  let page = (await dbx.filesListFolder({ path, recursive })).result;
  for (;;) {
    for (const e of page.entries) if (e['.tag'] === 'file') out.push(e);
    if (!page.has_more) return out;
    page = (await dbx.filesListFolderContinue({ cursor: page.cursor })).result;
  }
}

const ops: Record<WireJob['op'], () => Promise<void>> = {
  'upload-big': uploadBig,
  'download-big': () => download(job.remote, job.local),
  async 'upload-many'() {
    for (const name of await readdir(job.local)) {
      const contents = await readFile(join(job.local, name));
      await dbx.filesUpload({ path: `${job.remote}/${name}`, contents, mode: overwrite });
    }
  },
  async 'download-many'() {
    for (const f of await listAll(job.remote, false)) await download(f.path_lower!, join(job.local, f.name));
  },
  async 'list-csv'() {
    await writeFile(job.local, filesCsv(await listAll(job.remote, true)));
  },
  async delete() {
    const all = await listAll(job.remote, false);
    for (let i = 0; i < all.length; i += 1000) {
      const entries = all.slice(i, i + 1000).map((f) => ({ path: f.path_lower! }));
      const started = (await dbx.filesDeleteBatch({ entries })).result;
      if (started['.tag'] !== 'async_job_id') continue;
      let status = (await dbx.filesDeleteBatchCheck({ async_job_id: started.async_job_id })).result;
      while (status['.tag'] === 'in_progress')
        status = (await dbx.filesDeleteBatchCheck({ async_job_id: started.async_job_id })).result;
      if (status['.tag'] !== 'complete') throw new Error(`delete_batch: ${status['.tag']}`);
    }
  },
};
await ops[job.op]();
await dispatcher.close();
