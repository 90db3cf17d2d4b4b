// files/download: bytes in the body, FileMetadata in Dropbox-API-Result; Range -> 206.
import { ApiError, routeError, nest, tag } from '../errors.ts';
import { isExportOnly } from '../exports.ts';
import { fileMeta, revisionMeta } from '../metadata.ts';
import { READ_PATH, REV, lookup, lookupRev } from '../paths.ts';
import type { RouteDef } from '../state.ts';
import type { FileVersion } from '../tree.ts';
import { asRouteError, opt, t } from './common.ts';

/** [start, end) of a single "bytes=" range, 'invalid' when unsatisfiable, undefined to send all. */
export function parseRange(header: string | undefined, size: number): [number, number] | 'invalid' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  if (m[1] === '') {
    const n = Number(m[2]);
    if (n === 0) return 'invalid';
    return [Math.max(size - n, 0), size];
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? size : Math.min(Number(m[2]) + 1, size);
  if (start >= size || end <= start) return 'invalid';
  return [start, end];
}

export const downloadRoutes: RouteDef[] = [
  {
    name: 'files/download',
    style: 'download',
    auth: 'user',
    scope: 'files.content.read',
    arg: t.struct({ path: t.str({ pattern: READ_PATH }), rev: opt(t.str({ pattern: REV, min: 9 })) }),
    async handle(call) {
      const { arg, caller, req } = call;
      const rev: string | undefined = arg.path.startsWith('rev:') ? arg.path.slice(4) : arg.rev;
      let result: Record<string, unknown>;
      let version: FileVersion;
      if (rev) {
        const r = asRouteError('path', () => lookupRev(caller, rev));
        version = r;
        result = revisionMeta(caller, r, false);
      } else {
        const node = asRouteError('path', () => lookup(caller, arg.path));
        if (node.kind !== 'file') throw routeError(nest('path', tag('not_file')));
        version = node;
        result = fileMeta(caller, node, false);
      }
      // Paper docs and the like come only through files/export.
      if (isExportOnly(String(result.name))) throw routeError(tag('unsupported_file'));
      const size = version.blob.size;
      const etag = `W/"${version.rev}"`;
      if (req.headers['if-none-match'] === etag) {
        await call.sendBytes(result, version.blob.read(0, 0), { status: 304, length: 0, headers: { ETag: etag } });
        return;
      }
      const range = parseRange(req.headers.range, size);
      if (range === 'invalid')
        throw new ApiError(416, 'Requested Range Not Satisfiable', { 'Content-Range': `bytes */${size}` });
      const [start, end] = range ?? [0, size];
      await call.sendBytes(result, version.blob.read(start, end), {
        status: range ? 206 : 200,
        length: end - start,
        headers: {
          ETag: etag,
          'Accept-Ranges': 'bytes',
          ...(range ? { 'Content-Range': `bytes ${start}-${end - 1}/${size}` } : {}),
        },
      });
    },
  },
];
