import { sql } from 'kysely';
import type { Queryable } from '../../db/tx.js';

/**
 * Queries for key rotation and the startup key check. Rotation selects rows by key id
 * through an index and writes each batch in one statement guarded by the version it
 * read, so a row changed meanwhile is skipped (and picked up by the next pass) instead
 * of being overwritten with stale ciphertext.
 */
export interface StoredKeyUse {
  keyId: string;
  connectors: number;
  oauthStates: number;
}

export async function listStoredKeyIds(db: Queryable): Promise<StoredKeyUse[]> {
  const result = await sql<{ key_id: string; connectors: number; oauth_states: number }>`
    select key_id, sum(connectors)::int as connectors, sum(oauth_states)::int as oauth_states from (
      select encryption_key_id as key_id, count(*) as connectors, 0 as oauth_states
        from public.connector_credentials group by encryption_key_id
      union all
      select encryption_key_id, 0, count(*)
        from public.oauth_states where consumed_at is null and expires_at > now() group by encryption_key_id
    ) uses group by key_id order by key_id`.execute(db);
  return result.rows.map((row) => ({ keyId: row.key_id, connectors: row.connectors, oauthStates: row.oauth_states }));
}

export async function countCredentialsNotOnKey(db: Queryable, activeKeyId: string): Promise<number> {
  const row = await db
    .selectFrom('connector_credentials')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('encryption_key_id', '<>', activeKeyId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function selectCredentialsNotOnKey(
  db: Queryable,
  activeKeyId: string,
  afterConnectorId: string | null,
  limit: number,
) {
  let query = db
    .selectFrom('connector_credentials')
    .select(['connector_id', 'project_id', 'encrypted_credentials', 'credentials_version'])
    .where('encryption_key_id', '<>', activeKeyId)
    .orderBy('connector_id')
    .limit(limit);
  if (afterConnectorId) query = query.where('connector_id', '>', afterConnectorId);
  return query.execute();
}

export interface RewrappedCredentials {
  connectorId: string;
  expectedVersion: number;
  record: unknown;
  keyId: string;
}

/** Returns the ids actually written; the others changed since they were read. */
export async function writeRewrappedCredentials(
  db: Queryable,
  rows: readonly RewrappedCredentials[],
): Promise<string[]> {
  if (rows.length === 0) return [];
  const values = rows.map(
    (row) =>
      sql`(${row.connectorId}::uuid, ${row.expectedVersion}::int, ${JSON.stringify(row.record)}::jsonb, ${row.keyId}::text)`,
  );
  const result = await sql<{ connector_id: string }>`
    update public.connector_credentials as c
    set encrypted_credentials = v.record, encryption_key_id = v.key_id,
        credentials_version = c.credentials_version + 1
    from (values ${sql.join(values)}) as v(connector_id, expected_version, record, key_id)
    where c.connector_id = v.connector_id and c.credentials_version = v.expected_version
    returning c.connector_id`.execute(db);
  return result.rows.map((row) => row.connector_id);
}

export async function countLiveStatesNotOnKey(db: Queryable, activeKeyId: string): Promise<number> {
  const row = await db
    .selectFrom('oauth_states')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('encryption_key_id', '<>', activeKeyId)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', new Date())
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function selectLiveStatesNotOnKey(db: Queryable, activeKeyId: string, limit: number) {
  return db
    .selectFrom('oauth_states')
    .select(['id', 'project_id', 'connector_id', 'encrypted_verifier', 'encryption_key_id'])
    .where('encryption_key_id', '<>', activeKeyId)
    .where('consumed_at', 'is', null)
    .where('expires_at', '>', new Date())
    .orderBy('id')
    .limit(limit)
    .execute();
}

/** States are immutable until consumed; the old key id guards against a concurrent rewrap. */
export async function writeRewrappedState(
  db: Queryable,
  state: { id: string; previousKeyId: string; record: unknown; keyId: string },
): Promise<void> {
  await db
    .updateTable('oauth_states')
    .set({ encrypted_verifier: JSON.stringify(state.record), encryption_key_id: state.keyId })
    .where('id', '=', state.id)
    .where('encryption_key_id', '=', state.previousKeyId)
    .execute();
}
