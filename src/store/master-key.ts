// The master key that encrypts the vault: 32 bytes from DROPCRON_MASTER_KEY (base64)
// or from <state>/master.key, created 0600 on first start. A key file that group or
// others can read is refused: anyone who reads it reads every stored token.
import { coreErrors } from '../errors.ts';
import { readFile, stat } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic, ensureDir } from './atomic.ts';

export const MASTER_KEY_ENV = 'DROPCRON_MASTER_KEY';
export const MASTER_KEY_FILE = 'master.key';

export interface MasterKey {
  key: Buffer;
  /** Short fingerprint stored beside each secret, so a wrong key is named as such. */
  kid: string;
  /** Where it came from, for messages ("DROPCRON_MASTER_KEY" or the file path). */
  source: string;
}

export class MasterKeyError extends Error {
  override name = 'MasterKeyError';
  readonly code = 'DC_STATE';
  readonly kind = coreErrors.DC_STATE.kind;
}

export function keyId(key: Buffer): string {
  return createHash('sha256').update('dropcron-master-key-id').update(key).digest('hex').slice(0, 12);
}

function decode(text: string, source: string): Buffer {
  const t = text.trim();
  const key = Buffer.from(t, 'base64');
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(t) || key.length !== 32) {
    throw new MasterKeyError(
      `${source} must hold 32 random bytes in base64 (44 characters); create one with: openssl rand -base64 32`,
    );
  }
  return key;
}

/** Loads the master key, creating the key file when neither it nor the variable exists. */
export async function loadMasterKey(stateDir: string, env: NodeJS.ProcessEnv = process.env): Promise<MasterKey> {
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv) {
    const key = decode(fromEnv, MASTER_KEY_ENV);
    return { key, kid: keyId(key), source: MASTER_KEY_ENV };
  }
  const file = join(stateDir, MASTER_KEY_FILE);
  let st;
  try {
    st = await stat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (!st) {
    await ensureDir(stateDir);
    const key = randomBytes(32);
    await writeFileAtomic(file, key.toString('base64') + '\n', 0o600);
    return { key, kid: keyId(key), source: file };
  }
  if ((st.mode & 0o077) !== 0) {
    const mode = (st.mode & 0o777).toString(8).padStart(3, '0');
    throw new MasterKeyError(
      `the master key file ${file} is readable by others (mode ${mode}); run: chmod 600 ${file}`,
    );
  }
  const key = decode(await readFile(file, 'utf8'), file);
  return { key, kid: keyId(key), source: file };
}
