// Secrets typed into the admin UI live in the encrypted vault, never in YAML. The
// loader puts them back into each connection definition in memory, so every part
// (dispatcher factory, OAuth calls, tasks) sees one complete definition and nothing
// has to remember to look in two places. A value in the YAML (usually ${ENV}) wins.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { sharedVault } from '../store/open.ts';
import type { StoreSettings } from '../store/store.ts';
import type { ConnectionDefinition } from './types.ts';
import type { Env } from './yaml-file.ts';

export async function fillStoredSecrets(
  settings: StoreSettings,
  defs: ConnectionDefinition[],
  env: Env,
): Promise<void> {
  // No vault yet: nothing to fill, and no master key is created by merely loading.
  if (!defs.length || (typeof settings.store !== 'object' && !existsSync(join(settings.state, 'vault')))) return;
  let vault;
  try {
    vault = await sharedVault(settings, env as NodeJS.ProcessEnv);
  } catch {
    return; // a key problem is reported where the secret is needed (connection status)
  }
  for (const def of defs) {
    let names: string[];
    try {
      names = await vault.secretNames(def.name);
    } catch {
      continue;
    }
    for (const path of names) {
      const segs = path.split('.');
      const parent = segs
        .slice(0, -1)
        .reduce<Record<string, unknown> | undefined>(
          (o, s) => (o && typeof o[s] === 'object' && o[s] !== null ? (o[s] as Record<string, unknown>) : undefined),
          def,
        );
      const leaf = segs.at(-1)!;
      // Only where the YAML has the surrounding object (a proxy block) and no value.
      if (!parent || (parent[leaf] !== undefined && parent[leaf] !== '')) continue;
      try {
        const value = await vault.secret(def.name, path);
        if (value !== undefined) parent[leaf] = value;
      } catch {
        // Undecryptable: leave it unset; the connection's status names the cause.
      }
    }
  }
}
