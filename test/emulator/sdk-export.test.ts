// Export-only files (the sandbox's Paper docs, *.paper) through the official npm SDK:
// get_metadata's is_downloadable/export_info, files/export in each format, and the routes
// that refuse them.
import { describe, expect, it } from 'vitest';
import { contentHash } from '../../plugins/dropbox/api/content-hash.ts';
import { failure, withSdk } from './sdk-client.ts';

const ctx = withSdk();
const DOC = '# Plan\n\nShip <it> on Friday.\n';

describe('files/export (official npm SDK)', () => {
  it('describes a Paper doc as export-only and exports it as markdown, html or plain text', async () => {
    const { dbx, emu } = ctx;
    await emu.files.put('sandy', '/Docs/Plan.paper', DOC);
    const md = (await dbx.filesGetMetadata({ path: '/Docs/Plan.paper' })).result;
    expect(md).toMatchObject({
      '.tag': 'file',
      is_downloadable: false,
      export_info: { export_as: 'markdown', export_options: ['markdown', 'html', 'plain_text'] },
    });
    expect(md).not.toHaveProperty('content_hash');
    const listed = (await dbx.filesListFolder({ path: '/Docs' })).result.entries[0]!;
    expect(listed).toMatchObject({ name: 'Plan.paper', is_downloadable: false });

    const asDefault = await dbx.filesExport({ path: '/Docs/Plan.paper' });
    const body = (r: typeof asDefault) => (r.result as unknown as { fileBinary: Buffer }).fileBinary.toString();
    expect(body(asDefault)).toBe(DOC);
    expect(asDefault.result.export_metadata).toEqual({
      name: 'Plan.md',
      size: Buffer.byteLength(DOC),
      export_hash: contentHash(DOC),
    });
    expect(asDefault.result.file_metadata).toMatchObject({ name: 'Plan.paper', path_display: '/Docs/Plan.paper' });
    const html = await dbx.filesExport({ path: '/Docs/Plan.paper', export_format: 'html' });
    expect(html.result.export_metadata.name).toBe('Plan.html');
    expect(body(html)).toContain('<h1>Plan</h1>\n<p>Ship &#60;it&#62; on Friday.</p>');
    const txt = await dbx.filesExport({ path: '/Docs/Plan.paper', export_format: 'plain_text' });
    expect(body(txt)).toBe('Plan\n\nShip <it> on Friday.\n');
  });

  it('answers Dropbox’s error unions', async () => {
    const { dbx, emu } = ctx;
    await emu.files.put('sandy', '/Docs/Notes.paper', DOC);
    await dbx.filesUpload({ path: '/Docs/plain.txt', contents: Buffer.from('bytes') });
    const cases: Array<[Promise<unknown>, unknown]> = [
      [dbx.filesExport({ path: '/Docs/plain.txt' }), { '.tag': 'non_exportable' }],
      [dbx.filesExport({ path: '/Docs/Notes.paper', export_format: 'docx' }), { '.tag': 'invalid_export_format' }],
      [dbx.filesExport({ path: '/Docs' }), { '.tag': 'path', path: { '.tag': 'not_file' } }],
      [dbx.filesDownload({ path: '/Docs/Notes.paper' }), { '.tag': 'unsupported_file' }],
      [dbx.filesGetTemporaryLink({ path: '/Docs/Notes.paper' }), { '.tag': 'unsupported_file' }],
    ];
    for (const [call, error] of cases) expect(await failure(call)).toEqual({ status: 409, error });
  });
});
