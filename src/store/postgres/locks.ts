// Locks across the daemons of a cluster: a row per key, held until released or until
// its time-to-live runs out (a holder that died frees it by itself). Each taking gets
// its own holder id, so a holder that overran its lease cannot release the next one's.
import type pg from 'pg';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { coreError } from '../../errors.ts';
import { safeName } from '../history.ts';

/** How often a daemon waiting for a lock asks again. */
const POLL_MS = 50;

export async function pgWithLock<T>(
  pool: () => Promise<pg.Pool>,
  key: string,
  ttlMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  const name = safeName(key, 'lock key');
  const holder = randomBytes(12).toString('base64url');
  // A holder that died frees the lock after ttlMs; twice that is a queue of live holders.
  const giveUp = Date.now() + 2 * ttlMs;
  for (;;) {
    const { rows } = await (
      await pool()
    ).query(
      `INSERT INTO dropcron.locks AS l (key, holder, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (key) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
       WHERE l.expires_at < now()
       RETURNING holder`,
      [name, holder, ttlMs / 1000],
    );
    if (rows.length) break;
    if (Date.now() > giveUp)
      throw coreError('DC_LOCKED', `the lock '${name}' is held by another daemon of the cluster; try again`);
    await sleep(POLL_MS);
  }
  try {
    return await fn();
  } finally {
    // Best effort: a release that fails leaves the lock to expire.
    await (
      await pool()
    )
      .query('DELETE FROM dropcron.locks WHERE key = $1 AND holder = $2', [name, holder])
      .catch(() => {});
  }
}
