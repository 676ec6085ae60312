import type { DB } from '@wfb/core/db/schema.js';
import { type Kysely, sql, type Transaction } from 'kysely';

export type Tx = Transaction<DB>;
export type Queryable = Kysely<DB> | Tx;

export interface JwtClaims {
  sub: string;
  role?: string;
  [claim: string]: unknown;
}

/**
 * Runs `work` in a transaction as Postgres role `authenticated` with the caller's JWT
 * claims, exactly as Supabase's PostgREST does, so RLS policies enforce tenancy even
 * where service code forgets a check. Throwing rolls everything back.
 */
export async function withUserTransaction<T>(
  db: Kysely<DB>,
  claims: JwtClaims,
  work: (trx: Tx) => Promise<T>,
): Promise<T> {
  return db.transaction().execute(async (trx) => {
    await sql`select set_config('role', 'authenticated', true),
      set_config('request.jwt.claims', ${JSON.stringify({ ...claims, role: 'authenticated' })}, true)`.execute(trx);
    return work(trx);
  });
}
