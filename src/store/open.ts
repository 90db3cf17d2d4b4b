// The one place that turns config.yaml's `store:` into a store.
import { FileStore } from './file-store.ts';
import { openVault, type Vault } from './vault.ts';
import type { Store, StoreSettings } from './store.ts';

/** Tests and tools build partial configs: a missing `store` is the default, `file`. */
export function createStore(settings: StoreSettings, env: NodeJS.ProcessEnv = process.env): Store {
  if (typeof settings.store === 'object') throw new Error('store: postgres is not available in this build');
  return new FileStore(settings, env);
}

/**
 * The vault for callers that hold no store of their own (loading connection files fills
 * in the secrets typed into the admin UI): one per process and store.
 */
export function sharedVault(settings: StoreSettings, env: NodeJS.ProcessEnv = process.env): Promise<Vault> {
  return openVault(settings.state, env);
}
