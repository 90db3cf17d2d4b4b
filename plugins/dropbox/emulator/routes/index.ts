// Every route the emulator serves, by name.
import type { RouteDef } from '../state.ts';
import { downloadRoutes } from './download.ts';
import { exportRoutes } from './export.ts';
import { readRoutes } from './files-read.ts';
import { revisionRoutes } from './files-revisions.ts';
import { searchRoutes } from './files-search.ts';
import { sharedLinkRoutes } from './shared-links.ts';
import { teamRoutes } from './team.ts';
import { temporaryLinkRoutes } from './temporary-link.ts';
import { writeRoutes } from './files-write.ts';
import { relocateBatchRoutes } from './relocate-batch.ts';
import { uploadRoutes } from './upload.ts';
import { userRoutes } from './users.ts';

export function allRoutes(): Map<string, RouteDef> {
  const all = [
    ...userRoutes,
    ...readRoutes,
    ...revisionRoutes,
    ...searchRoutes,
    ...writeRoutes,
    ...relocateBatchRoutes,
    ...uploadRoutes,
    ...downloadRoutes,
    ...temporaryLinkRoutes,
    ...sharedLinkRoutes,
    ...exportRoutes,
    ...teamRoutes,
  ];
  return new Map(all.map((r) => [r.name, r]));
}
