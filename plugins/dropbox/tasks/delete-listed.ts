// Deleting Dropbox entries a task listed, as one batch. parent_rev: a file saved again
// since the listing is a new version the task did not judge; Dropbox refuses to delete
// it and it is kept with a warning.
import type { DropboxClient } from '../api/types.ts';
import { DropboxError } from '../api/errors.ts';
import type { ResultBuilder } from './result.ts';

export async function deleteListed(
  client: DropboxClient,
  items: Array<{ path: string; parentRev?: string }>,
  r: ResultBuilder,
  signal: AbortSignal,
): Promise<void> {
  if (!items.length) return;
  const results = await client.deleteBatch(items, { signal });
  for (const res of results) {
    if (res.error instanceof DropboxError && res.error.mentions('conflict')) {
      r.warn(`kept ${res.path}: it changed in Dropbox after it was listed`);
      r.count('changedSinceListing');
    } else if (res.error) r.fail(res.path, res.error);
    else r.count('deleted');
  }
}
