import { createChangeFeed } from '@wfb/core/db/change-feed.js';
import type { Database } from '@wfb/core/db/driver.js';
import type { Logger } from '@wfb/core/logger.js';
import { campaignForLeadership, type Leadership } from '../db/advisory-lock.js';

/**
 * The loop both controllers (Kong, Nexus) run: level-triggered, in the manner of a
 * Kubernetes controller. Desired state comes from the database, actual state from the
 * peer; each pass converges the difference, so a missed trigger only delays convergence
 * until the next pass. Passes run on the leader only (advisory lock), one at a time:
 * - a change on any of `channels` (NOTIFY) asks for a pass, debounced;
 * - a timer asks for one every `intervalMs` (drift repair: hand edits in the peer);
 * - a failed pass is retried with exponential backoff, and the outage is logged once when
 *   it starts and once when it ends, however many passes fail in between.
 */
export interface PassOutcome {
  /** Writes made to the peer. */
  writes: number;
  /** Entities whose own change the peer refused (the pass still counts as done). */
  errors: number;
}

export interface ReconcilerOptions<Outcome extends PassOutcome> {
  name: string;
  database: Database;
  logger: Logger;
  leaderKey: number;
  channels: readonly string[];
  pass: () => Promise<Outcome>;
  intervalMs?: number;
  debounceMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  leaderIntervalMs?: number;
  onPass?: (outcome: Outcome | undefined, error: unknown, elapsedMs: number) => void;
}

export interface ReconcilerStatus {
  leading: boolean;
  /** False while passes fail (the peer is down or refuses everything). */
  healthy: boolean;
  lastPassAt: Date | null;
  lastError: string | null;
  consecutiveFailures: number;
}

export interface Reconciler<Outcome extends PassOutcome> {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Asks for a pass soon (debounced); the leader runs it. */
  request(): void;
  /** Runs a pass now on this instance if it leads; `undefined` when another instance does. */
  runNow(): Promise<Outcome | undefined>;
  status(): ReconcilerStatus;
}

export function createReconciler<Outcome extends PassOutcome>(
  options: ReconcilerOptions<Outcome>,
): Reconciler<Outcome> {
  const log = options.logger.child({ controller: options.name });
  const intervalMs = options.intervalMs ?? 30_000;
  const debounceMs = options.debounceMs ?? 200;
  const backoffInitialMs = options.backoffInitialMs ?? 1_000;
  const backoffMaxMs = options.backoffMaxMs ?? 60_000;
  let leadership: Leadership | undefined;
  let leading = false;
  let stopped = true;
  let running: Promise<Outcome | undefined> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  let interval: NodeJS.Timeout | undefined;
  const status: ReconcilerStatus = {
    leading: false,
    healthy: true,
    lastPassAt: null,
    lastError: null,
    consecutiveFailures: 0,
  };
  const feeds = options.channels.map((channel) =>
    createChangeFeed({
      database: options.database,
      channel,
      logger: log,
      onChange: () => request(),
      onConnection: (connected) => {
        // Changes may have been missed while the feed was down: converge on reconnect.
        if (connected) request();
      },
    }),
  );

  function schedule(delayMs: number) {
    if (stopped || !leading) return;
    clearTimeout(timer);
    timer = setTimeout(() => void runPass(), delayMs);
    timer.unref();
  }

  function request() {
    schedule(debounceMs);
  }

  async function execute(): Promise<Outcome | undefined> {
    const started = performance.now();
    try {
      const outcome = await options.pass();
      status.lastPassAt = new Date();
      status.lastError = null;
      if (!status.healthy) log.info({ failures: status.consecutiveFailures }, 'reconciler recovered');
      status.healthy = true;
      status.consecutiveFailures = 0;
      options.onPass?.(outcome, undefined, performance.now() - started);
      return outcome;
    } catch (error) {
      status.lastError = error instanceof Error ? error.message : String(error);
      status.consecutiveFailures += 1;
      if (status.healthy) log.warn({ err: error }, 'reconciler pass failed; retrying with backoff');
      status.healthy = false;
      options.onPass?.(undefined, error, performance.now() - started);
      const delay = Math.min(backoffMaxMs, backoffInitialMs * 2 ** Math.min(status.consecutiveFailures - 1, 16));
      schedule(delay);
      throw error;
    }
  }

  /** One pass at a time; a request during a pass runs one more pass after it. */
  function track(attempt: Promise<Outcome | undefined>) {
    running = attempt
      .catch(() => undefined)
      .finally(() => {
        running = undefined;
        if (again) {
          again = false;
          request();
        }
      });
    return running;
  }

  function runPass(): Promise<Outcome | undefined> {
    if (running) {
      again = true;
      return running;
    }
    return track(execute());
  }

  return {
    async start() {
      stopped = false;
      for (const feed of feeds) await feed.start();
      leadership = campaignForLeadership(options.database, {
        key: options.leaderKey,
        logger: log,
        ...(options.leaderIntervalMs !== undefined && { intervalMs: options.leaderIntervalMs }),
        onElected: () => {
          leading = true;
          status.leading = true;
          schedule(0);
        },
        onLost: () => {
          leading = false;
          status.leading = false;
          clearTimeout(timer);
        },
      });
      interval = setInterval(() => request(), intervalMs);
      interval.unref();
    },

    async stop() {
      stopped = true;
      clearTimeout(timer);
      clearInterval(interval);
      await leadership?.stop();
      for (const feed of feeds) await feed.stop();
      await running;
    },

    request,

    async runNow() {
      if (!leading) return undefined;
      while (running) await running;
      const attempt = execute();
      track(attempt);
      return attempt;
    },

    status: () => ({ ...status }),
  };
}
