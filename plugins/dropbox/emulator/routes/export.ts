// files/export: an export-only file (a Paper doc) in one of the formats its export_info
// lists; the bytes in the body, {export_metadata, file_metadata} in Dropbox-API-Result.
import { Readable } from 'node:stream';
import { contentHash } from '../../api/content-hash.ts';
import { nest, routeError, tag } from '../errors.ts';
import { PAPER_EXPORT, exportFormat, exportedName, isExportOnly } from '../exports.ts';
import { fileMeta } from '../metadata.ts';
import { READ_PATH, lookup } from '../paths.ts';
import type { RouteDef } from '../state.ts';
import { asRouteError, opt, t } from './common.ts';

async function text(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of stream as AsyncIterable<Buffer>) parts.push(c);
  return Buffer.concat(parts).toString('utf8');
}

export const exportRoutes: RouteDef[] = [
  {
    name: 'files/export',
    style: 'download',
    auth: 'user',
    scope: 'files.content.read',
    arg: t.struct({ path: t.str({ pattern: READ_PATH }), export_format: opt(t.str()) }),
    async handle(call) {
      const { arg, caller } = call;
      const node = asRouteError('path', () => lookup(caller, arg.path));
      if (node.kind !== 'file') throw routeError(nest('path', tag('not_file')));
      if (!isExportOnly(node.name)) throw routeError(tag('non_exportable'));
      const format = exportFormat(arg.export_format ?? PAPER_EXPORT.export_as);
      if (!format) throw routeError(tag('invalid_export_format'));
      const bytes = Buffer.from(format.render(await text(node.blob.read())));
      const result = {
        export_metadata: { name: exportedName(node.name, format), size: bytes.length, export_hash: contentHash(bytes) },
        file_metadata: fileMeta(caller, node, false),
      };
      await call.sendBytes(result, Readable.from([bytes]), { status: 200, length: bytes.length });
    },
  },
];
