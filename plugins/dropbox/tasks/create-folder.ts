// create-folder: "ensure folder" semantics by default (PAINPOINTS L6): an existing
// folder is success, so a job can run it every night.
import { pluginError } from '../error-codes.ts';
import type { TaskType } from '../../../src/plugin.ts';
import type { DropboxClient } from '../api/types.ts';
import { expand, remotePathProblems } from './common.ts';
import { ResultBuilder } from './result.ts';
import { normalizeRemote, remoteOrThrow } from './remote-paths.ts';
import { createFolderSchema } from './task-schemas.ts';

export interface CreateFolderOptions {
  path: string;
  existsOk: boolean;
}

export const createFolderTask: TaskType<CreateFolderOptions, DropboxClient> = {
  name: 'create-folder',
  schema: createFolderSchema,
  check(o) {
    const out = remotePathProblems('path', o.path);
    const n = o.path !== undefined ? normalizeRemote(o.path) : undefined;
    if (n && 'path' in n && n.path === '') out.push(['path', "'/' is the root of the connection, which always exists"]);
    return out;
  },
  async run(o, ctx) {
    const r = new ResultBuilder(ctx.connection);
    const path = remoteOrThrow(expand(o.path, ctx));
    if (path === '') throw pluginError('DBX_TASK_INPUT', 'create-folder: the root of the connection always exists');
    const { existsOk } = o;
    const there = await ctx.connection.getMetadata(path, { signal: ctx.signal });
    if (there?.['.tag'] === 'file') throw pluginError('DBX_TASK_INPUT', `create-folder: ${path} is a file`);
    if (there) {
      if (!existsOk) throw pluginError('DBX_TASK_INPUT', `create-folder: ${path} already exists (existsOk: false)`);
      r.count('existed');
      r.act('skip', path, 'folder exists');
      return r.finish();
    }
    r.act('create-folder', path, 'does not exist');
    if (ctx.dryRun) return r.finish();
    // ensure: a folder created between the check and now still counts as success.
    await ctx.connection.createFolder(path, { ensure: existsOk, signal: ctx.signal });
    r.count('created');
    return r.finish();
  },
};
