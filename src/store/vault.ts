// The vault: per connection, secrets encrypted with AES-256-GCM under the master key,
// and non-secret state in clear JSON beside them. It knows nothing about any service:
// keys and values are the caller's. Where the entries live is the store's (VaultRows):
// one file per connection under <state>/vault/ (vault-files.ts), or one row each in
// PostgreSQL; either way only ciphertext leaves this file.
//
// Each secret is {v, kid, iv, tag, ct} in base64. The IV is 12 random bytes per write
// (never reused under one key); the associated data binds the ciphertext to its
// connection and field, so a secret copied into another connection's file, or into
// another field, fails authentication instead of being used.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { loadMasterKey, type MasterKey } from './master-key.ts';
import { FileVaultRows } from './vault-files.ts';
import { VAULT_VERSION as VERSION, VaultError, type SealedSecret, type VaultRows } from './vault-entry.ts';
import type { ConnectionSecrets } from '../plugin.ts';

export { VaultError, type SealedSecret, type VaultEntry, type VaultRows } from './vault-entry.ts';

export interface VaultChange {
  /** Merged into the clear state; a key set to undefined is removed. */
  state?: Record<string, unknown>;
  /** Secrets to set; a key set to undefined is removed. */
  secrets?: Record<string, string | undefined>;
}

export class Vault {
  constructor(
    private readonly rows: VaultRows,
    private readonly master: MasterKey,
  ) {}

  /** The clear state of a connection ({} when it has none). */
  async state<T extends Record<string, unknown> = Record<string, unknown>>(name: string): Promise<Partial<T>> {
    return ((await this.rows.load(name))?.state ?? {}) as Partial<T>;
  }

  /** A decrypted secret, or undefined when none is stored. */
  async secret(name: string, key: string): Promise<string | undefined> {
    const entry = await this.rows.load(name);
    const sealed = entry?.secrets[key];
    return sealed ? this.open(name, key, sealed) : undefined;
  }

  /** Names of the secrets stored for a connection (no values). */
  async secretNames(name: string): Promise<string[]> {
    return Object.keys((await this.rows.load(name))?.secrets ?? {});
  }

  /** Applies a change atomically: one write for state and secrets together. */
  update(name: string, change: VaultChange): Promise<void> {
    return this.rows.change(name, (found) => {
      const cur = found ?? { v: VERSION, connection: name, state: {}, secrets: {} };
      for (const [k, v] of Object.entries(change.state ?? {})) {
        if (v === undefined) delete cur.state[k];
        else cur.state[k] = v;
      }
      for (const [k, v] of Object.entries(change.secrets ?? {})) {
        if (v === undefined) delete cur.secrets[k];
        else cur.secrets[k] = this.seal(name, k, v);
      }
      return cur;
    });
  }

  /** Deletes everything stored for a connection; true if there was something. */
  forget(name: string): Promise<boolean> {
    return this.rows.forget(name);
  }

  private seal(name: string, key: string, value: string): SealedSecret {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.master.key, iv);
    cipher.setAAD(aad(name, key));
    const ct = Buffer.concat([cipher.update(value, 'utf8'), cipher.final()]);
    return {
      v: VERSION,
      kid: this.master.kid,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      ct: ct.toString('base64'),
    };
  }

  private open(name: string, key: string, s: SealedSecret): string {
    const where = `${this.rows.where(name)} (${key})`;
    if (s.kid !== this.master.kid) {
      throw new VaultError(
        `cannot decrypt the vault: the master key does not match the one that encrypted ${where} (key id ${s.kid}, current ${this.master.kid} from ${this.master.source}); restore that key, or delete the ${this.rows.noun} and authorise '${name}' again`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.master.key, Buffer.from(s.iv, 'base64'));
      decipher.setAAD(aad(name, key));
      decipher.setAuthTag(Buffer.from(s.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(s.ct, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new VaultError(
        `cannot decrypt the vault: ${where} failed authentication (the ${this.rows.noun} was modified or belongs to another connection); delete it and authorise '${name}' again`,
      );
    }
  }
}

function aad(name: string, key: string): Buffer {
  return Buffer.from(`dropcron-vault/v${VERSION}\0${name}\0${key}`, 'utf8');
}

const vaults = new Map<string, Promise<Vault>>();

/**
 * The vault of a state directory, one per process (so its write queue is shared by
 * everyone in the process). A key problem is not cached: fixing the file and trying
 * again works without a restart.
 */
export function openVault(stateDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Vault> {
  const cacheKey = `${stateDir}\0${env.DROPCRON_MASTER_KEY ?? ''}`;
  let v = vaults.get(cacheKey);
  if (!v) {
    v = loadMasterKey(stateDir, env).then((mk) => new Vault(new FileVaultRows(stateDir), mk));
    vaults.set(cacheKey, v);
    v.catch(() => vaults.delete(cacheKey));
  }
  return v;
}

/** The vault entry of one connection, as plugins get it (Services.secretsOf). */
export function connectionSecrets(vault: () => Promise<Vault>, name: string): ConnectionSecrets {
  return {
    state: async <T extends Record<string, unknown>>() => (await vault()).state<T>(name),
    secret: async (key) => (await vault()).secret(name, key),
    secretNames: async () => (await vault()).secretNames(name),
    update: async (change) => (await vault()).update(name, change),
    forget: async () => (await vault()).forget(name),
  };
}
