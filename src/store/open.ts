// The one place that turns config.yaml's `store:` into a store.
import { FileStore } from './file-store.ts';
import { PostgresStore } from './postgres/postgres-store.ts';
import { openVault, type Vault } from './vault.ts';
import type { Store, StoreSettings } from './store.ts';

/** Tests and tools build partial configs: a missing `store` is the default, `file`. */
export function createStore(settings: StoreSettings, env: NodeJS.ProcessEnv = process.env): Store {
  const { store } = settings;
  return typeof store === 'object' ? new PostgresStore({ ...settings, store }, env) : new FileStore(settings, env);
}

const shared = new Map<string, Promise<Vault>>();

/**
 * The vault for callers that hold no store of their own (loading connection files fills
 * in the secrets typed into the admin UI): one per process and store.
 */
export function sharedVault(settings: StoreSettings, env: NodeJS.ProcessEnv = process.env): Promise<Vault> {
  const { store } = settings;
  if (typeof store !== 'object') return openVault(settings.state, env);
  const key = `${store.postgres}\0${settings.state}\0${env.DROPCRON_MASTER_KEY ?? ''}`;
  let vault = shared.get(key);
  if (!vault) {
    vault = new PostgresStore({ ...settings, store }, env, { allowExitOnIdle: true }).vault();
    shared.set(key, vault);
    vault.catch(() => shared.delete(key));
  }
  return vault;
}
