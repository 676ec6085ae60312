import { sql } from 'kysely';
import type { Queryable } from '../../db/tx.js';

/** Authorization-code attempts. Looked up only by the hash of `state`, consumed at most once. */
export interface NewOauthState {
  id: string;
  stateHash: string;
  projectId: string;
  connectorId: string;
  userId: string;
  redirectUri: string;
  encryptedVerifier: unknown;
  encryptionKeyId: string;
  expiresAt: Date;
}

export async function insertOauthState(db: Queryable, state: NewOauthState): Promise<void> {
  await db
    .insertInto('oauth_states')
    .values({
      id: state.id,
      state_hash: state.stateHash,
      project_id: state.projectId,
      connector_id: state.connectorId,
      user_id: state.userId,
      redirect_uri: state.redirectUri,
      encrypted_verifier: JSON.stringify(state.encryptedVerifier),
      encryption_key_id: state.encryptionKeyId,
      expires_at: state.expiresAt,
    })
    .execute();
}

const stateColumns = [
  'id',
  'project_id',
  'connector_id',
  'user_id',
  'redirect_uri',
  'encrypted_verifier',
  'expires_at',
  'consumed_at',
] as const;

/**
 * Marks the state used and returns it, in one statement, so two callbacks racing with the
 * same state cannot both win. `undefined` means unknown or already consumed.
 */
export async function consumeOauthState(db: Queryable, stateHash: string) {
  return db
    .updateTable('oauth_states')
    .set({ consumed_at: sql<Date>`now()` })
    .where('state_hash', '=', stateHash)
    .where('consumed_at', 'is', null)
    .returning(stateColumns)
    .executeTakeFirst();
}

export async function findOauthState(db: Queryable, stateHash: string) {
  return db.selectFrom('oauth_states').select(stateColumns).where('state_hash', '=', stateHash).executeTakeFirst();
}

/** Housekeeping when a callback arrives: long-dead attempts of the connector go. */
export async function deleteStaleOauthStates(db: Queryable, connectorId: string, before: Date): Promise<void> {
  await db
    .deleteFrom('oauth_states')
    .where('connector_id', '=', connectorId)
    .where('expires_at', '<', before)
    .execute();
}

/**
 * The timer's sweep over every connector: at most `limit` attempts that expired before
 * `before`, so one tick never turns into an unbounded delete. Returns how many went.
 */
export async function purgeStaleOauthStates(db: Queryable, before: Date, limit: number): Promise<number> {
  const result = await db
    .deleteFrom('oauth_states')
    .where('id', 'in', (query) =>
      query.selectFrom('oauth_states').select('id').where('expires_at', '<', before).limit(limit),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
