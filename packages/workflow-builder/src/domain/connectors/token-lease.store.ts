import { sql } from 'kysely';
import type { Queryable } from '../../db/tx.js';

/**
 * The token refresh lease on a connector's credentials row (`refresh_lease_until`, see
 * supabase/migrations/20261122000400_connectors_hardening.sql). Each statement stands
 * alone: claiming is one conditional UPDATE, so no lock outlives it. Raw SQL because only
 * the token manager ever reads or writes this column.
 */

/** Identifies one claim: the exact stored expiry, as Postgres prints it (microseconds kept). */
export type RefreshLease = string;

/**
 * Claims the lease when nobody holds it (or it expired, or it lies further ahead than any
 * claim could set it) and the row is still at `expectedVersion`, i.e. nobody stored new
 * tokens since the caller read it. Undefined when someone else holds it or the row moved on.
 * The "too far ahead" test allows a whole extra lease of margin: `now()` is each
 * transaction's start, so a claim racing another one may see a `now()` slightly older
 * than the one that set the lease it waited for.
 */
export async function claimRefreshLease(
  db: Queryable,
  connectorId: string,
  expectedVersion: number,
  leaseMs: number,
): Promise<RefreshLease | undefined> {
  const lease = sql`${Math.ceil(leaseMs)}::int * interval '1 millisecond'`;
  const result = await sql<{ lease: string }>`
    update public.connector_credentials
    set refresh_lease_until = now() + ${lease}
    where connector_id = ${connectorId}::uuid and credentials_version = ${expectedVersion}::int
      and (refresh_lease_until is null or refresh_lease_until <= now() or refresh_lease_until > now() + 2 * ${lease})
    returning refresh_lease_until::text as lease`.execute(db);
  return result.rows[0]?.lease;
}

/** Gives the lease back; a lease that expired and was claimed by someone else is left alone. */
export async function releaseRefreshLease(db: Queryable, connectorId: string, lease: RefreshLease): Promise<void> {
  await sql`update public.connector_credentials set refresh_lease_until = null
    where connector_id = ${connectorId}::uuid and refresh_lease_until = ${lease}::timestamptz`.execute(db);
}
