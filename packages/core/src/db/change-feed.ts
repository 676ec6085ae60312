import type { Logger } from '../logger.js';
import type { Database } from './driver.js';

/**
 * What a process that caches database state needs to stay correct: LISTEN on a channel
 * whose payload names the key that changed, a dirty set coalesced into reload passes (one
 * pass at a time; changes arriving meanwhile join the next), a timer that reloads
 * everything now and then, and a full pass after the LISTEN connection comes back, since
 * notifications sent while it was down are gone. A missed notification is therefore healed
 * by the next full pass at the latest.
 */
export type ReloadScope = { kind: 'all' } | { kind: 'keys'; keys: string[] };

export interface ChangeFeedOptions {
  database: Pick<Database, 'listen'>;
  channel: string;
  logger: Logger;
  /** Runs at once for every notification, before any reload (e.g. to evict). `undefined`: everything. */
  onChange?: (key: string | undefined) => void;
  /** The LISTEN connection was lost (false: notifications may be missed) or is back (true). */
  onConnection?: (connected: boolean) => void;
  /** The coalesced pass; without it the feed only forwards notifications. */
  reload?: (scope: ReloadScope) => Promise<void>;
  /** Period of the healing full pass; none when unset. */
  healIntervalMs?: number;
  /** Delay before a failed pass is tried again. */
  retryDelayMs?: number;
}

export interface ChangeFeed {
  /** Subscribes, then runs the first full pass (its failure rejects). */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Marks a key (or, with `undefined`, everything) dirty and makes sure a pass follows. */
  schedule(key: string | undefined): void;
  /** Resolves once every change scheduled so far has been reloaded. */
  settled(): Promise<void>;
  /** True while notifications are known to arrive. */
  readonly listening: boolean;
}

export function createChangeFeed(options: ChangeFeedOptions): ChangeFeed {
  const retryDelayMs = options.retryDelayMs ?? 1_000;
  const dirty = new Set<string>();
  let everything = false;
  let draining: Promise<void> | undefined;
  let listening = false;
  let stopped = false;
  let unlisten: (() => Promise<void>) | undefined;
  let timer: NodeJS.Timeout | undefined;

  async function drain(reload: NonNullable<ChangeFeedOptions['reload']>) {
    while (!stopped && (everything || dirty.size > 0)) {
      const scope: ReloadScope = everything ? { kind: 'all' } : { kind: 'keys', keys: [...dirty] };
      everything = false;
      dirty.clear();
      try {
        await reload(scope);
      } catch (error) {
        options.logger.error({ err: error, channel: options.channel }, 'reload failed; retrying');
        if (scope.kind === 'all') everything = true;
        else for (const key of scope.keys) dirty.add(key);
        setTimeout(() => kick(), retryDelayMs).unref();
        return;
      }
    }
  }

  function kick() {
    const reload = options.reload;
    if (!reload || stopped) return;
    draining ??= drain(reload).finally(() => {
      draining = undefined;
    });
  }

  function schedule(key: string | undefined) {
    if (key === undefined) everything = true;
    else dirty.add(key);
    kick();
  }

  return {
    async start() {
      stopped = false;
      unlisten = await options.database.listen(
        options.channel,
        (payload) => {
          const key = payload === '' ? undefined : payload;
          options.onChange?.(key);
          schedule(key);
        },
        (connected) => {
          listening = connected;
          options.onConnection?.(connected);
          options.onChange?.(undefined);
          schedule(undefined);
        },
      );
      listening = true;
      if (options.reload) await options.reload({ kind: 'all' });
      if (options.reload && options.healIntervalMs) {
        timer = setInterval(() => schedule(undefined), options.healIntervalMs);
        timer.unref();
      }
    },

    async stop() {
      stopped = true;
      listening = false;
      if (timer) clearInterval(timer);
      await unlisten?.();
      await draining;
    },

    schedule,

    async settled() {
      while (draining) await draining;
    },

    get listening() {
      return listening;
    },
  };
}
