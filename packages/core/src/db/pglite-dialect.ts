import type { PGlite } from '@electric-sql/pglite';
import { PostgresDialect } from 'kysely';

/**
 * PGlite is a single connection. Kysely's Postgres dialect expects a pool, so this
 * adapter hands out that one connection under a mutex: a transaction holds it until it
 * ends, which keeps concurrent requests from interleaving statements inside each other's
 * transactions.
 */
export function createPgliteDialect(pglite: PGlite): PostgresDialect {
  let tail: Promise<void> = Promise.resolve();

  function acquire(): Promise<() => void> {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const ready = tail.then(() => release);
    tail = tail.then(() => held);
    return ready;
  }

  const client = {
    async query(text: string, values?: readonly unknown[]) {
      // Parameterless text may hold several statements (migrations): use the simple protocol.
      const result =
        values && values.length > 0
          ? await pglite.query(text, [...values])
          : ((await pglite.exec(text)).at(-1) ?? { rows: [], fields: [], affectedRows: 0 });
      return {
        command: result.fields.length > 0 ? 'SELECT' : 'UPDATE',
        rowCount: result.affectedRows ?? result.rows.length,
        rows: result.rows,
      };
    },
  };

  const pool = {
    async connect() {
      const release = await acquire();
      return { ...client, release };
    },
    async end() {},
  };

  return new PostgresDialect({ pool: pool as never });
}
