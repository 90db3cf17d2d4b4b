// The cluster's connection and job definitions in PostgreSQL: one row per file, its
// YAML text verbatim. Versions come from one sequence, so max(version) moves on every
// change and a daemon polls that one number. A delete keeps its row with no text (a
// tombstone) for the same reason. Writers take the table's EXCLUSIVE lock, which
// readers do not wait for: publishes are rare, and one at a time makes every
// compare-and-set plain, new names included.
import type pg from 'pg';
import { checkDefinition, definitionKey, refuseStale } from '../definitions.ts';
import type { Definition, DefinitionChange, DefinitionKind, DefinitionRows } from '../store.ts';
import { inTransaction } from './transaction.ts';

interface Row {
  kind: DefinitionKind;
  name: string;
  text: string | null;
  version: string;
  updated_at: Date;
  updated_by: string;
}

const toDefinition = (r: Row & { text: string }): Definition => ({
  kind: r.kind,
  name: r.name,
  text: r.text,
  version: r.version,
  updatedAt: r.updated_at.toISOString(),
  updatedBy: r.updated_by,
});

export function pgDefinitions(pool: () => Promise<pg.Pool>): DefinitionRows {
  return {
    shared: true,
    async revision() {
      const { rows } = await (
        await pool()
      ).query<{ v: string }>('SELECT coalesce(max(version), 0)::text AS v FROM dropcron.definitions');
      return rows[0]!.v;
    },
    async list() {
      const { rows } = await (
        await pool()
      ).query<Row>(
        'SELECT kind, name, text, version::text, updated_at, updated_by FROM dropcron.definitions WHERE text IS NOT NULL ORDER BY kind, name',
      );
      return rows.map((r) => toDefinition(r as Row & { text: string }));
    },
    async apply(changes: DefinitionChange[], by: string) {
      for (const c of changes) checkDefinition(c);
      return inTransaction(await pool(), async (client) => {
        await client.query('LOCK TABLE dropcron.definitions IN EXCLUSIVE MODE');
        const { rows } = await client.query<Row>(
          `SELECT kind, name, text, version::text, updated_at, updated_by FROM dropcron.definitions
           WHERE (kind, name) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
          [changes.map((c) => c.kind), changes.map((c) => c.name)],
        );
        const current = new Map(rows.filter((r) => r.text !== null).map((r) => [definitionKey(r), r]));
        refuseStale(changes, current);
        const written: Definition[] = [];
        for (const c of changes) {
          const now = current.get(definitionKey(c));
          if (c.text === undefined) {
            if (now)
              await client.query(
                `UPDATE dropcron.definitions SET text = NULL, version = nextval('dropcron.definition_versions'),
                   updated_at = now(), updated_by = $3 WHERE kind = $1 AND name = $2`,
                [c.kind, c.name, by],
              );
          } else if (now?.text === c.text) written.push(toDefinition(now as Row & { text: string }));
          else {
            const {
              rows: [row],
            } = await client.query<Row & { text: string }>(
              `INSERT INTO dropcron.definitions (kind, name, text, version, updated_by)
               VALUES ($1, $2, $3, nextval('dropcron.definition_versions'), $4)
               ON CONFLICT (kind, name) DO UPDATE SET text = EXCLUDED.text, version = EXCLUDED.version,
                 updated_at = now(), updated_by = EXCLUDED.updated_by
               RETURNING kind, name, text, version::text, updated_at, updated_by`,
              [c.kind, c.name, c.text, by],
            );
            written.push(toDefinition(row!));
          }
        }
        return written;
      });
    },
  };
}
