// Moves a file store (a state directory) into the configured store: history, vault,
// fire times and checkpoint areas (where each upload session stands, so an upload cut
// off before the move resumes after it). Safe to repeat: a run already there is not
// added again, vault entries, fire times and checkpoints are overwritten with the same
// values. Runs in progress are not moved: the daemon that owns the directory must be
// stopped first.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { FileStore } from './file-store.ts';
import { fileCheckpointNamespaces } from './checkpoint-area-files.ts';
import type { Store } from './store.ts';

export interface ImportCounts {
  runs: number;
  jobs: number;
  connections: number;
  fireTimes: number;
  checkpoints: number;
}

const jsonNames = async (dir: string) =>
  (await readdir(dir).catch(() => [] as string[]))
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .map((n) => n.slice(0, -'.json'.length));

/** Copies `stateDir` into `into`; secrets are opened with the source's key and sealed with the target's. */
export async function importFileStore(
  stateDir: string,
  into: Store,
  env: NodeJS.ProcessEnv = process.env,
): Promise<ImportCounts> {
  const from = new FileStore({ state: stateDir, historyLimit: Number.MAX_SAFE_INTEGER }, env);
  const counts: ImportCounts = { runs: 0, jobs: 0, connections: 0, fireTimes: 0, checkpoints: 0 };
  for (const job of await jsonNames(join(stateDir, 'history'))) {
    const runs = await from.history.list(job);
    for (const run of runs.reverse()) await into.history.append(run);
    counts.runs += runs.length;
    counts.jobs++;
  }
  const connections = await jsonNames(join(stateDir, 'vault'));
  if (connections.length) {
    const [src, dst] = await Promise.all([from.vault(), into.vault()]);
    for (const name of connections) {
      const secrets: Record<string, string | undefined> = {};
      for (const key of await src.secretNames(name)) secrets[key] = await src.secret(name, key);
      await dst.update(name, { state: await src.state(name), secrets });
      counts.connections++;
    }
  }
  const times = await from.fireTimes.load();
  counts.fireTimes = Object.keys(times).length;
  if (counts.fireTimes) await into.fireTimes.save({ ...(await into.fireTimes.load()), ...times });
  for (const namespace of await fileCheckpointNamespaces(stateDir)) {
    const area = into.checkpoints(namespace);
    for (const { key, value } of await from.checkpoints(namespace).list()) {
      await area.put(key, value);
      counts.checkpoints++;
    }
  }
  return counts;
}
