// One transaction on one client of the pool: committed when `fn` resolves, rolled back when it throws.
import type pg from 'pg';

/**
 * A client of the pool for a few queries in a row. A backend that dies between those
 * queries (a restart, pg_terminate_backend) makes the client emit 'error' while no query
 * is running to receive it; without a listener Node throws it and the daemon dies. The
 * next query fails anyway, and that failure is the one handled; the broken client is
 * then destroyed instead of going back to the pool.
 */
export async function checkout(pool: pg.Pool): Promise<{ client: pg.PoolClient; release(): void }> {
  const client = await pool.connect();
  let broken = false;
  const onError = () => {
    broken = true;
  };
  client.on('error', onError);
  return {
    client,
    release() {
      client.off('error', onError);
      client.release(broken);
    },
  };
}

/** Runs `fn` in one transaction on one client of the pool. */
export async function inTransaction<T>(pool: pg.Pool, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const { client, release } = await checkout(pool);
  try {
    await client.query('BEGIN');
    const out = await fn(client);
    await client.query('COMMIT');
    return out;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    release();
  }
}
