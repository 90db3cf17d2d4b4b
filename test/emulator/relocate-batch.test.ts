// files/copy_batch_v2 and files/move_batch_v2 (+ /check_v2) through the official npm
// `dropbox` SDK, unchanged, and the Python SDK's own JSON decoder for the exact shapes.
import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dropbox, type files } from 'dropbox';
import { startEmulator, type Emulator } from './helpers.ts';

let emu: Emulator;
let dbx: Dropbox;

beforeAll(async () => {
  emu = await startEmulator();
  const { accessToken } = await emu.issueToken({ account: 'sandy' });
  // The SDK has no base-URL option: its Dropbox origins are rewritten to the emulator.
  const fetchVia = ((input: string | URL | Request, init?: RequestInit) =>
    fetch(String(input).replace(/^https:\/\/(api|content)\.dropboxapi\.com/, emu.url), init)) as typeof fetch;
  dbx = new Dropbox({ accessToken, fetch: fetchVia });
});
afterAll(() => emu.close());

/** Polls a batch's /check until it is complete, as a client must. */
async function settle(
  launch: files.RelocationBatchV2Launch,
  check: (id: string) => Promise<{ result: files.RelocationBatchV2JobStatus }>,
): Promise<files.RelocationBatchResultEntry[]> {
  if (launch['.tag'] === 'complete') return launch.entries;
  if (launch['.tag'] !== 'async_job_id') throw new Error(`unexpected launch ${launch['.tag']}`);
  for (;;) {
    const status = (await check(launch.async_job_id)).result;
    if (status['.tag'] === 'complete') return status.entries;
  }
}

describe('relocation batches', () => {
  it('copies and moves entry by entry, failures alone, with autorename', async () => {
    for (const n of ['a', 'b', 'c']) await dbx.filesUpload({ path: `/rb/src/${n}.txt`, contents: Buffer.from(n) });
    await dbx.filesUpload({ path: '/rb/dst/b.txt', contents: Buffer.from('old b') });

    const copied = await settle(
      (
        await dbx.filesCopyBatchV2({
          entries: [
            { from_path: '/rb/src/a.txt', to_path: '/rb/dst/a.txt' },
            { from_path: '/rb/src/b.txt', to_path: '/rb/dst/b.txt' },
            { from_path: '/rb/src/missing.txt', to_path: '/rb/dst/missing.txt' },
          ],
        })
      ).result,
      (id) => dbx.filesCopyBatchCheckV2({ async_job_id: id }),
    );
    expect(copied.map((e) => e['.tag'])).toEqual(['success', 'failure', 'failure']);
    const first = copied[0] as files.RelocationBatchResultEntrySuccess;
    expect(first.success).toMatchObject({ '.tag': 'file', path_display: '/rb/dst/a.txt', size: 1 });
    expect(copied[1]).toEqual({
      '.tag': 'failure',
      failure: {
        '.tag': 'relocation_error',
        relocation_error: { '.tag': 'to', to: { '.tag': 'conflict', conflict: { '.tag': 'file' } } },
      },
    });
    expect(copied[2]).toMatchObject({
      failure: { relocation_error: { '.tag': 'from_lookup', from_lookup: { '.tag': 'not_found' } } },
    });

    const moved = await settle(
      (
        await dbx.filesMoveBatchV2({
          entries: [
            { from_path: '/rb/src/b.txt', to_path: '/rb/dst/b.txt' },
            { from_path: '/rb/src/c.txt', to_path: '/rb/dst/c.txt' },
          ],
          autorename: true,
        })
      ).result,
      (id) => dbx.filesMoveBatchCheckV2({ async_job_id: id }),
    );
    const names = moved.map((e) => (e as files.RelocationBatchResultEntrySuccess).success.path_display);
    expect(names).toEqual(['/rb/dst/b (1).txt', '/rb/dst/c.txt']);
    const left = (await dbx.filesListFolder({ path: '/rb/src' })).result.entries.map((e) => e.name);
    expect(left).toEqual(['a.txt']);
    const kept = await dbx.filesDownload({ path: '/rb/dst/b.txt' });
    expect(String((kept.result as unknown as { fileBinary: Buffer }).fileBinary)).toBe('old b');
  });

  it('refuses an empty batch and an unknown job id as Dropbox does', async () => {
    await expect(dbx.filesCopyBatchV2({ entries: [] })).rejects.toMatchObject({ status: 400 });
    await expect(dbx.filesMoveBatchCheckV2({ async_job_id: 'dbjid:nope' })).rejects.toMatchObject({
      status: 409,
      error: { error: { '.tag': 'invalid_async_job_id' } },
    });
  });

  it("answers in shapes the Python SDK's stone decoder accepts", async () => {
    await dbx.filesUpload({ path: '/py/x.txt', contents: Buffer.from('x') });
    const launch = await fetch(`${emu.url}/2/files/copy_batch_v2`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${(await emu.issueToken({ account: 'sandy' })).accessToken}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        entries: [
          { from_path: '/py/x.txt', to_path: '/py/y.txt' },
          { from_path: '/py/x.txt', to_path: '/py/y.txt' },
        ],
      }),
    }).then((r) => r.text());
    const id = (JSON.parse(launch) as { async_job_id: string }).async_job_id;
    const status = await (await dbx.filesCopyBatchCheckV2({ async_job_id: id })).result;
    const script = [
      'import json, sys',
      'from dropbox import files, stone_serializers as s',
      'launch = s.json_decode(files.RelocationBatchV2Launch_validator, sys.argv[1])',
      'status = s.json_decode(files.RelocationBatchV2JobStatus_validator, sys.argv[2])',
      'e = status.get_complete().entries',
      'print(launch.is_async_job_id(), e[0].get_success().path_display, e[1].get_failure().get_relocation_error().get_to().is_conflict())',
    ].join('\n');
    const out = await new Promise<string>((resolve, reject) =>
      execFile('/usr/bin/python3', ['-c', script, launch, JSON.stringify(status)], (err, stdout, stderr) =>
        err ? reject(new Error(stderr || err.message)) : resolve(stdout),
      ),
    );
    expect(out.trim()).toBe('True /py/y.txt True');
  });
});
