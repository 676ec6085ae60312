import type { Database } from '@wfb/core/db/driver.js';
import type { Logger } from '@wfb/core/logger.js';
import { oauthStateTtlMs } from './oauth-flow.js';
import { purgeStaleOauthStates } from './oauth-states.store.js';

/**
 * Deletes abandoned authorization attempts on a timer. The callback only tidies the
 * connector it is for, so attempts nobody came back to (closed tabs, retries, a connector
 * never used again) would otherwise stay forever, each holding an encrypted PKCE verifier.
 * Expired attempts are kept one more TTL first, so a late callback still reads
 * `state_expired` rather than `unknown_state`.
 */
export interface OAuthStatePurgeOptions {
  database: Database;
  logger: Logger;
  clock?: () => Date;
  /** Default one minute. */
  intervalMs?: number;
  /** Rows per tick at most; a backlog drains over several ticks. Default 500. */
  batchSize?: number;
}

export function createOAuthStatePurge(options: OAuthStatePurgeOptions) {
  const clock = options.clock ?? (() => new Date());
  const batchSize = options.batchSize ?? 500;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<number> | undefined;

  async function purgeOnce(): Promise<number> {
    const before = new Date(clock().getTime() - oauthStateTtlMs);
    const deleted = await purgeStaleOauthStates(options.database.db, before, batchSize);
    if (deleted > 0) options.logger.debug({ deleted }, 'purged stale oauth states');
    return deleted;
  }

  function tick() {
    // A slow database must not stack sweeps on top of each other.
    if (running) return;
    running = purgeOnce()
      .catch((error: unknown) => {
        options.logger.warn({ err: error }, 'could not purge stale oauth states; will retry');
        return 0;
      })
      .finally(() => {
        running = undefined;
      });
  }

  return {
    purgeOnce,
    start() {
      if (timer) return;
      timer = setInterval(tick, options.intervalMs ?? 60_000);
      timer.unref();
    },
    /** Stops the timer and waits for a sweep in progress, so the database can close after. */
    async stop() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

export type OAuthStatePurge = ReturnType<typeof createOAuthStatePurge>;
