// files/get_temporary_link: a 4-hour URL that serves one version of a file without a token;
// files/get_temporary_upload_link: a URL that takes one upload without a token (upload-links.ts).
import { randomBytes } from 'node:crypto';
import { nest, routeError, tag } from '../errors.ts';
import { isExportOnly } from '../exports.ts';
import { TEMPORARY_LINK_TTL_MS, baseUrl, remember } from '../links.ts';
import { fileMeta, revisionMeta } from '../metadata.ts';
import { READ_PATH, lookup, lookupRev } from '../paths.ts';
import type { RouteDef } from '../state.ts';
import { asRouteError, dflt, t } from './common.ts';
import { COMMIT_INFO } from './upload.ts';

export const temporaryLinkRoutes: RouteDef[] = [
  {
    name: 'files/get_temporary_link',
    style: 'rpc',
    auth: 'user',
    scope: 'files.content.read',
    arg: t.struct({ path: t.str({ pattern: READ_PATH }) }),
    async handle({ st, caller, arg, req }) {
      let rev: string, name: string, metadata: Record<string, unknown>;
      if (arg.path.startsWith('rev:')) {
        const r = asRouteError('path', () => lookupRev(caller, arg.path.slice(4)));
        [rev, name, metadata] = [r.rev, r.name, revisionMeta(caller, r, false)];
      } else {
        const node = asRouteError('path', () => lookup(caller, arg.path));
        if (node.kind !== 'file') throw routeError(nest('path', tag('not_file')));
        [rev, name, metadata] = [node.rev, node.name, fileMeta(caller, node, false)];
      }
      if (isExportOnly(name)) throw routeError(tag('unsupported_file'));
      const token = randomBytes(24).toString('base64url');
      remember(st.temporaryLinks, token, { rev, name, expiresAt: st.now() + TEMPORARY_LINK_TTL_MS });
      return { metadata, link: `${baseUrl(req)}/cd/0/get/${token}/file` };
    },
  },
  {
    name: 'files/get_temporary_upload_link',
    style: 'rpc',
    auth: 'user',
    scope: 'files.content.write',
    // The commit is judged when the link is used, not now: only the argument's shape is checked.
    arg: t.struct({
      commit_info: COMMIT_INFO,
      duration: dflt(t.float({ min: 60, max: TEMPORARY_LINK_TTL_MS / 1000 }), TEMPORARY_LINK_TTL_MS / 1000),
    }),
    async handle({ st, caller, arg, req }) {
      const token = randomBytes(24).toString('base64url');
      const expiresAt = st.now() + arg.duration * 1000;
      remember(st.uploadLinks, token, { caller, commit: arg.commit_info, expiresAt, consumed: false });
      return { link: `${baseUrl(req)}/apitul/1/${token}` };
    },
  },
];
