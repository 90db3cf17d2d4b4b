// The vault: one file per connection under <state>/vault/, holding secrets encrypted
// with AES-256-GCM under the master key, and non-secret state in clear JSON beside
// them. It knows nothing about any service: keys and values are the caller's.
//
// Each secret is {v, kid, iv, tag, ct} in base64. The IV is 12 random bytes per write
// (never reused under one key); the associated data binds the ciphertext to its
// connection and field, so a secret copied into another connection's file, or into
// another field, fails authentication instead of being used.
import { readFile, unlink } from 'node:fs/promises';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { writeJsonAtomic, fsyncDir, ensureDir } from './atomic.ts';
import { withLockFile } from './lock.ts';
import { KeyedQueue } from '../keyed-queue.ts';
import { loadMasterKey, type MasterKey } from './master-key.ts';
import type { ConnectionSecrets } from '../plugin.ts';

const VERSION = 1;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface SealedSecret {
  v: number;
  kid: string;
  iv: string;
  tag: string;
  ct: string;
}

interface VaultFile {
  v: number;
  connection: string;
  state: Record<string, unknown>;
  secrets: Record<string, SealedSecret>;
}

export class VaultError extends Error {
  override name = 'VaultError';
}

export interface VaultChange {
  /** Merged into the clear state; a key set to undefined is removed. */
  state?: Record<string, unknown>;
  /** Secrets to set; a key set to undefined is removed. */
  secrets?: Record<string, string | undefined>;
}

export class Vault {
  readonly dir: string;
  /** Writes to one file are serialised so a read-modify-write never loses another's change. */
  private readonly queues = new KeyedQueue();

  constructor(
    stateDir: string,
    private readonly master: MasterKey,
  ) {
    this.dir = join(stateDir, 'vault');
  }

  /** The clear state of a connection ({} when it has none). */
  async state<T extends Record<string, unknown> = Record<string, unknown>>(name: string): Promise<Partial<T>> {
    return ((await this.load(name))?.state ?? {}) as Partial<T>;
  }

  /** A decrypted secret, or undefined when none is stored. */
  async secret(name: string, key: string): Promise<string | undefined> {
    const file = await this.load(name);
    const sealed = file?.secrets[key];
    return sealed ? this.open(name, key, sealed) : undefined;
  }

  /** Names of the secrets stored for a connection (no values). */
  async secretNames(name: string): Promise<string[]> {
    return Object.keys((await this.load(name))?.secrets ?? {});
  }

  /** Applies a change atomically: one write for state and secrets together. */
  update(name: string, change: VaultChange): Promise<void> {
    return this.serial(name, async () => {
      const cur = (await this.load(name)) ?? { v: VERSION, connection: name, state: {}, secrets: {} };
      for (const [k, v] of Object.entries(change.state ?? {})) {
        if (v === undefined) delete cur.state[k];
        else cur.state[k] = v;
      }
      for (const [k, v] of Object.entries(change.secrets ?? {})) {
        if (v === undefined) delete cur.secrets[k];
        else cur.secrets[k] = this.seal(name, k, v);
      }
      await writeJsonAtomic(this.path(name), cur);
    });
  }

  /** Deletes everything stored for a connection; true if there was something. */
  forget(name: string): Promise<boolean> {
    return this.serial(name, async () => {
      try {
        await unlink(this.path(name));
        await fsyncDir(this.dir);
        return true;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
        throw err;
      }
    });
  }

  private path(name: string): string {
    if (!NAME.test(name)) throw new VaultError(`'${name}' is not a valid connection name for the vault`);
    return join(this.dir, `${name}.json`);
  }

  private async load(name: string): Promise<VaultFile | undefined> {
    const file = this.path(name);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let data: VaultFile;
    try {
      data = JSON.parse(text) as VaultFile;
    } catch {
      throw new VaultError(`the vault file ${file} is not valid JSON; delete it and authorise '${name}' again`);
    }
    if (
      data.v !== VERSION ||
      data.connection !== name ||
      typeof data.secrets !== 'object' ||
      typeof data.state !== 'object'
    ) {
      throw new VaultError(
        `the vault file ${file} is not a version ${VERSION} vault entry for '${name}'; delete it and authorise '${name}' again`,
      );
    }
    return data;
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
    const where = `${this.path(name)} (${key})`;
    if (s.kid !== this.master.kid) {
      throw new VaultError(
        `cannot decrypt the vault: the master key does not match the one that encrypted ${where} (key id ${s.kid}, current ${this.master.kid} from ${this.master.source}); restore that key, or delete the file and authorise '${name}' again`,
      );
    }
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.master.key, Buffer.from(s.iv, 'base64'));
      decipher.setAAD(aad(name, key));
      decipher.setAuthTag(Buffer.from(s.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(s.ct, 'base64')), decipher.final()]).toString('utf8');
    } catch {
      throw new VaultError(
        `cannot decrypt the vault: ${where} failed authentication (the file was modified or belongs to another connection); delete it and authorise '${name}' again`,
      );
    }
  }

  /**
   * One change at a time per connection: queued within this process, and under a
   * lock file across processes (`dropcron auth` while the daemon refreshes).
   */
  private serial<T>(name: string, fn: () => Promise<T>): Promise<T> {
    return this.queues.run(name, async () => {
      await ensureDir(this.dir);
      return withLockFile(this.path(name), fn);
    });
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
    v = loadMasterKey(stateDir, env).then((mk) => new Vault(stateDir, mk));
    vaults.set(cacheKey, v);
    v.catch(() => vaults.delete(cacheKey));
  }
  return v;
}

/** The vault entry of one connection, as plugins get it (Services.secretsOf). */
export function connectionSecrets(
  stateDir: string,
  name: string,
  env: NodeJS.ProcessEnv = process.env,
): ConnectionSecrets {
  const vault = () => openVault(stateDir, env);
  return {
    state: async <T extends Record<string, unknown>>() => (await vault()).state<T>(name),
    secret: async (key) => (await vault()).secret(name, key),
    secretNames: async () => (await vault()).secretNames(name),
    update: async (change) => (await vault()).update(name, change),
    forget: async () => (await vault()).forget(name),
  };
}
