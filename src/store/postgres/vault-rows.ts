// Vault entries in PostgreSQL: one row per connection holding the same JSON as a vault
// file (clear state, sealed secrets), so only ciphertext of a secret reaches the
// database. A change is a read-modify-write under a transaction-scoped advisory lock
// on the connection's name, so two daemons refreshing one token never lose a write.
import type pg from 'pg';
import { checkEntry, vaultName, type VaultEntry, type VaultRows } from '../vault-entry.ts';
import { inTransaction } from './transaction.ts';

export class PgVaultRows implements VaultRows {
  readonly noun = 'row';

  constructor(private readonly pool: () => Promise<pg.Pool>) {}

  where(name: string): string {
    return `dropcron.vault '${vaultName(name)}'`;
  }

  async load(name: string): Promise<VaultEntry | undefined> {
    const pool = await this.pool();
    return this.read(pool, name);
  }

  async change(name: string, fn: (cur: VaultEntry | undefined) => VaultEntry): Promise<void> {
    await inTransaction(await this.pool(), async (client) => {
      await client.query("SELECT pg_advisory_xact_lock(hashtext('dropcron.vault:' || $1))", [vaultName(name)]);
      const next = fn(await this.read(client, name));
      await client.query(
        `INSERT INTO dropcron.vault (connection, entry) VALUES ($1, $2)
         ON CONFLICT (connection) DO UPDATE SET entry = EXCLUDED.entry`,
        [name, JSON.stringify(next)],
      );
    });
  }

  async forget(name: string): Promise<boolean> {
    const pool = await this.pool();
    const { rowCount } = await pool.query('DELETE FROM dropcron.vault WHERE connection = $1', [vaultName(name)]);
    return rowCount === 1;
  }

  private async read(db: pg.Pool | pg.PoolClient, name: string): Promise<VaultEntry | undefined> {
    const { rows } = await db.query<{ entry: string }>('SELECT entry FROM dropcron.vault WHERE connection = $1', [
      vaultName(name),
    ]);
    return rows[0] ? checkEntry(name, rows[0].entry, this.where(name), this.noun) : undefined;
  }
}
