// The admin password: from config (admin.password, often ${DROPCRON_ADMIN_PASSWORD}),
// else generated on first start, printed once, and kept only as a scrypt hash in the
// state directory, so reading the state directory never reveals it.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeJsonAtomic } from '../store/atomic.ts';

export const PASSWORD_FILE = 'admin-password.json';
const PARAMS = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;

interface Stored {
  v: 1;
  salt: string;
  hash: string;
  N: number;
  r: number;
  p: number;
}

function scrypt(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, 32, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

export interface PasswordCheck {
  verify(candidate: string): Promise<boolean>;
  /** Where the password came from, for the log ('config' or the hash file). */
  source: string;
}

async function hashed(password: string): Promise<Stored> {
  const salt = randomBytes(16);
  const hash = await scrypt(password, salt, PARAMS);
  return { v: 1, salt: salt.toString('base64'), hash: hash.toString('base64'), N: PARAMS.N, r: PARAMS.r, p: PARAMS.p };
}

function checker(stored: Stored, source: string): PasswordCheck {
  const salt = Buffer.from(stored.salt, 'base64');
  const want = Buffer.from(stored.hash, 'base64');
  const opts = { N: stored.N, r: stored.r, p: stored.p, maxmem: PARAMS.maxmem };
  return {
    source,
    // Both sides go through scrypt, so timing says nothing about the password.
    async verify(candidate) {
      if (typeof candidate !== 'string' || candidate.length === 0 || candidate.length > 1024) return false;
      const got = await scrypt(candidate, salt, opts);
      return got.length === want.length && timingSafeEqual(got, want);
    },
  };
}

/**
 * The password check for the admin server. With no configured password, the first
 * start generates one, hands it to `announce` (stderr) once, and stores its hash.
 */
export async function adminPassword(
  configured: string | undefined,
  stateDir: string,
  announce: (line: string) => void,
): Promise<PasswordCheck> {
  if (configured) return checker(await hashed(configured), 'config');
  const file = join(stateDir, PASSWORD_FILE);
  let text: string | undefined;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (text !== undefined) {
    const stored = JSON.parse(text) as Stored;
    if (stored.v !== 1 || !stored.salt || !stored.hash)
      throw new Error(`${file} is not an admin password hash; delete it to have a new password generated`);
    return checker(stored, file);
  }
  const password = randomBytes(18).toString('base64url');
  const stored = await hashed(password);
  await writeJsonAtomic(file, stored);
  announce(
    `dropcron admin password (shown once; set admin.password or DROPCRON_ADMIN_PASSWORD to choose your own, or delete ${file} for a new one): ${password}`,
  );
  return checker(stored, file);
}
