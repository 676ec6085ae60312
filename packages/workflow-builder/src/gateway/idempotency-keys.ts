import type { Database } from '@wfb/core/db/driver.js';
import { AppError } from '@wfb/core/errors.js';
import type { Logger } from '@wfb/core/logger.js';
import { sql } from 'kysely';

/**
 * Which request each Idempotency-Key of a public interface was first used with, kept in the
 * database (idempotency_keys) so every instance gives the same answer: the same request goes
 * on to Temporal, which replays its first result (a start by its memo, an update by its id);
 * a different request is refused with 422 before anything is sent. Calls without the header
 * never touch the table. A key binds for `ttlSeconds` (Stripe: 24 hours); then the next
 * request with it takes it over, and a periodic sweep deletes what expired.
 */
export interface IdempotencyKeysOptions {
  database: Database;
  logger: Logger;
  ttlSeconds?: number;
  sweepIntervalMs?: number;
}

export const defaultIdempotencyTtlSeconds = 24 * 60 * 60;
const sweepBatch = 1_000;

export const reusedKeyMessage =
  'this Idempotency-Key was already used with a different request; send a new key for a new request';

export function createIdempotencyKeys(options: IdempotencyKeysOptions) {
  const ttl = `${options.ttlSeconds ?? defaultIdempotencyTtlSeconds} seconds`;
  const db = options.database.db;
  let timer: NodeJS.Timeout | undefined;
  let sweeping: Promise<unknown> | undefined;

  /** Deletes up to one batch of expired keys; returns how many went. */
  async function sweep(): Promise<number> {
    const result = await sql`
      delete from idempotency_keys
      where (public_interface_id, idempotency_key) in (
        select public_interface_id, idempotency_key from idempotency_keys
        where expires_at <= now() order by expires_at limit ${sweepBatch})`.execute(db);
    return Number(result.numAffectedRows ?? 0n);
  }

  return {
    /**
     * Binds `key` to `fingerprint` on first use (or once the old binding expired), else checks
     * the binding. One statement: two instances racing with one key both see the winner's
     * fingerprint (the loser's insert waits for the winner's row and then only reads it).
     */
    async claim(publicInterfaceId: string, key: string, fingerprint: string): Promise<void> {
      const result = await sql<{ request_fingerprint: string }>`
        insert into idempotency_keys as held (public_interface_id, idempotency_key, request_fingerprint, expires_at)
        values (${publicInterfaceId}, ${key}, ${fingerprint}, now() + ${ttl}::interval)
        on conflict (public_interface_id, idempotency_key) do update set
          request_fingerprint = case when held.expires_at <= now()
            then excluded.request_fingerprint else held.request_fingerprint end,
          created_at = case when held.expires_at <= now() then now() else held.created_at end,
          expires_at = case when held.expires_at <= now() then excluded.expires_at else held.expires_at end
        returning request_fingerprint`.execute(db);
      if (result.rows[0]?.request_fingerprint !== fingerprint) {
        throw new AppError('UNPROCESSABLE', reusedKeyMessage, { details: { header: 'Idempotency-Key' } });
      }
    },
    sweep,
    start(): void {
      timer = setInterval(
        () => {
          sweeping ??= sweep()
            .catch((error: unknown) => options.logger.warn({ err: error }, 'idempotency key sweep failed'))
            .finally(() => {
              sweeping = undefined;
            });
        },
        options.sweepIntervalMs ?? 10 * 60_000,
      );
      timer.unref();
    },
    async stop(): Promise<void> {
      if (timer) clearInterval(timer);
      await sweeping;
    },
  };
}

export type IdempotencyKeys = ReturnType<typeof createIdempotencyKeys>;
