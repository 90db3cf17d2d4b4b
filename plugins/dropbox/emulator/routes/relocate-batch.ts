// files/copy_batch_v2 and files/move_batch_v2 with their /check_v2 routes, in Dropbox's
// shapes (files.stone: RelocationBatchV2Launch, RelocationBatchV2JobStatus). Each entry
// succeeds or fails alone, as files/copy_v2 or files/move_v2 would; a success nests its
// Metadata under `success` (Metadata has subtypes, so it cannot be inlined), a failure
// is a RelocationBatchErrorEntry. Like Dropbox for most batches, the work is done at
// once and the answer is a job id whose /check is already complete.
import { WRITE_PATH_OR_ID } from '../paths.ts';
import type { RouteDef } from '../state.ts';
import { bool, jobCheckRoute, t } from './common.ts';
import { failureOf, relocate } from './files-write.ts';

interface Entry {
  from_path: string;
  to_path: string;
}

const ENTRY = t.struct({
  from_path: t.str({ pattern: WRITE_PATH_OR_ID }),
  to_path: t.str({ pattern: WRITE_PATH_OR_ID }),
});

function batchRoute(op: 'copy' | 'move'): RouteDef {
  return {
    name: `files/${op}_batch_v2`,
    style: 'rpc',
    auth: 'user',
    scope: 'files.content.write',
    arg: t.struct({
      entries: t.list(ENTRY, { min: 1, max: 1000 }),
      autorename: bool(false),
      ...(op === 'move' ? { allow_ownership_transfer: bool(false) } : {}),
    }),
    async handle(call) {
      const entries = call.arg.entries as Entry[];
      const release = call.st.lock(call.st.tree.namespaceOf(call.caller.root), call.route.name);
      let results: unknown[];
      try {
        results = entries.map((e) => {
          try {
            const { metadata } = relocate({ ...call, arg: { ...e, autorename: call.arg.autorename } }, op === 'move');
            return { '.tag': 'success', success: metadata };
          } catch (err) {
            const relocation = failureOf(err);
            return { '.tag': 'failure', failure: { '.tag': 'relocation_error', relocation_error: relocation } };
          }
        });
      } finally {
        release();
      }
      return { '.tag': 'async_job_id', async_job_id: call.st.addJob({ '.tag': 'complete', entries: results }) };
    },
  };
}

export const relocateBatchRoutes: RouteDef[] = [
  batchRoute('copy'),
  jobCheckRoute('files/copy_batch/check_v2'),
  batchRoute('move'),
  jobCheckRoute('files/move_batch/check_v2'),
];
