import type { Database } from '@wfb/core/db/driver.js';
import type { Logger } from '@wfb/core/logger.js';
import { type Kysely, sql } from 'kysely';
import type pg from 'pg';

/**
 * Postgres advisory locks, the one coordination primitive instances share:
 * - `withAdvisoryLock`: wait for the lock, run, release (migrations: one instance applies
 *   each file while the others wait).
 * - `campaignForLeadership`: at most one instance leads a controller. The lock is held by a
 *   session on a dedicated connection, so it is released the moment that connection dies;
 *   a leader that cannot prove its connection alive (a heartbeat with a deadline) steps
 *   down before another instance could take over, so two never lead at once for longer
 *   than one heartbeat deadline. PGlite is one embedded process: it always leads.
 */
export const advisoryLockKeys = {
  migrations: 7_203_118_425,
  kongController: 7_203_118_426,
  nexusController: 7_203_118_427,
} as const;

export async function withAdvisoryLock<T, DB>(session: Kysely<DB>, key: number, work: () => Promise<T>): Promise<T> {
  await sql`select pg_advisory_lock(${key})`.execute(session);
  try {
    return await work();
  } finally {
    await sql`select pg_advisory_unlock(${key})`.execute(session);
  }
}

export interface LeadershipOptions {
  key: number;
  logger: Logger;
  /** This instance now leads (called again after every re-election). */
  onElected: () => void;
  /** This instance no longer leads: its lock session died, stalled, or it stopped. */
  onLost: () => void;
  /** How often a candidate tries the lock and a leader proves its session alive. */
  intervalMs?: number;
  heartbeatTimeoutMs?: number;
}

export interface Leadership {
  readonly leading: boolean;
  /** Gives the lock up (a standby takes over within its interval). */
  stop(): Promise<void>;
}

function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export function campaignForLeadership(database: Database, options: LeadershipOptions): Leadership {
  const intervalMs = options.intervalMs ?? 2_000;
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 2_000;
  const log = options.logger.child({ lock: options.key });
  let leading = false;
  let stopped = false;
  let session: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  /** A leader that just lost its session waits out a few rounds, so a healthy standby wins. */
  let backoffUntil = 0;

  function elect() {
    leading = true;
    log.info('elected leader');
    options.onElected();
  }

  function stepDown(reason: string, error?: unknown) {
    const dead = session;
    session = undefined;
    dead?.end().catch(() => undefined);
    if (!leading) return;
    leading = false;
    backoffUntil = Date.now() + 3 * intervalMs;
    log.warn({ err: error, reason }, 'leadership lost');
    options.onLost();
  }

  async function round() {
    if (Date.now() < backoffUntil) return;
    if (!session) {
      const opening = database.openSession();
      if (!opening) return;
      const client = await withTimeout(opening, heartbeatTimeoutMs, 'connecting');
      client.on('error', (error) => {
        if (session === client) stepDown('lock session failed', error);
      });
      client.on('end', () => {
        if (session === client) stepDown('lock session ended');
      });
      session = client;
    }
    const client = session;
    if (leading) {
      await withTimeout(client.query('select 1'), heartbeatTimeoutMs, 'heartbeat');
      return;
    }
    const result = await withTimeout(
      client.query<{ locked: boolean }>('select pg_try_advisory_lock($1) as locked', [options.key]),
      heartbeatTimeoutMs,
      'lock attempt',
    );
    if (result.rows[0]?.locked && session === client && !stopped) elect();
  }

  async function loop() {
    while (!stopped) {
      try {
        await round();
      } catch (error) {
        stepDown('lock session unhealthy', error);
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, intervalMs);
      });
    }
  }

  if (database.kind === 'pglite') {
    // The only process there is.
    queueMicrotask(() => {
      if (!stopped) elect();
    });
  } else {
    void loop();
  }

  return {
    get leading() {
      return leading;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
      const client = session;
      session = undefined;
      if (leading) {
        leading = false;
        options.onLost();
      }
      if (client) {
        await client.query('select pg_advisory_unlock_all()').catch(() => undefined);
        await client.end().catch(() => undefined);
      }
    },
  };
}
