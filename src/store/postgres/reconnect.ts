// A claim or a run's end that meets a database restarting (or a connection it just
// dropped) is asked again for a few seconds instead of failing: a fire during a
// `pg_ctl restart` starts a little late rather than not at all, and a run that ends then
// keeps its record. Both are safe to repeat: a slot's claimer gets its own claim back,
// and a run id is recorded once.
import { setTimeout as sleep } from 'node:timers/promises';

/** How long a call waits for the database to come back before it fails. */
export const RECONNECT_MS = 8_000;
const STEP_MS = 250;

/** Socket errors, SQLSTATE class 08 (connection exception), 57P01-57P03 (shutdown, starting up). */
export function connectionLost(err: unknown): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (/^08/.test(code) || /^57P0[123]$/.test(code))) return true;
  if (typeof code === 'string' && ['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT'].includes(code)) return true;
  return typeof message === 'string' && /Connection terminated|terminating connection/i.test(message);
}

export async function reconnecting<T>(fn: () => Promise<T>, waitMs = RECONNECT_MS): Promise<T> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!connectionLost(err) || Date.now() + STEP_MS > until) throw err;
      await sleep(STEP_MS);
    }
  }
}
