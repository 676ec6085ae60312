import type { Database } from '@wfb/core/db/driver.js';
import type { Logger } from '@wfb/core/logger.js';
import { sql } from 'kysely';
import { advisoryLockKeys } from '../db/advisory-lock.js';
import { routesChannel } from '../gateway/route-table.js';
import type { Metrics } from '../metrics/metrics.js';
import { createReconciler, type ReconcilerOptions } from '../reconcile/reconciler.js';
import type { KongSettings } from '../settings.js';
import type { KongTransportOptions } from './admin-transport.js';
import { createKongSync, type KongDiff, type KongPassOutcome } from './kong-sync.js';
import type { KongMode } from './sync-results.js';

/**
 * The Kong controller: the sync pass (kong-sync.ts) run by the shared reconciler —
 * level-triggered, one leader across instances (advisory lock), a pass on every
 * `wfb_routes` change (debounced), a timer pass for drift (KONG_SYNC_INTERVAL_MS), backoff
 * while Kong is down, which is logged once when it starts and once when it ends. The API
 * never waits for Kong: statuses say where each interface stands.
 *
 * `wfb_kong_sync` asks the leader for a pass from any instance (kong.sync on a standby).
 */
export const kongSyncChannel = 'wfb_kong_sync';

export interface KongControllerDeps {
  settings: KongSettings;
  database: Database;
  logger: Logger;
  metrics?: Metrics;
  transport?: Partial<KongTransportOptions>;
  concurrency?: number;
  /** Tests: debounce, backoff and leader-lock timings. */
  reconciler?: Pick<
    ReconcilerOptions<KongPassOutcome>,
    'debounceMs' | 'backoffInitialMs' | 'backoffMaxMs' | 'leaderIntervalMs'
  >;
}

export interface KongControllerHealth {
  mode: KongMode;
  leading: boolean;
  healthy: boolean;
  lastPassAt: Date | null;
  consecutiveFailures: number;
  /** Operator detail: may name Kong's address. */
  lastError: string | null;
  lastOutcome: KongPassOutcome | null;
}

export interface KongController {
  readonly mode: KongMode;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** A pass now on this instance; `undefined` when another instance leads (it is asked to run one). */
  syncNow(): Promise<KongPassOutcome | undefined>;
  diff(): Promise<KongDiff>;
  health(): KongControllerHealth;
}

function recordPass(metrics: Metrics, mode: KongMode, outcome: KongPassOutcome | undefined): void {
  metrics.kongPass(mode, outcome ? 'ok' : 'failed');
  if (!outcome) return;
  for (const write of outcome.writeCounts) metrics.kongWrite(mode, write.kind, write.action);
  metrics.kongErrors(mode, outcome.errors);
  metrics.kongDriftRepairs(mode, outcome.driftRepairs);
}

export function createKongController(deps: KongControllerDeps): KongController {
  const sync = createKongSync({
    settings: deps.settings,
    database: deps.database,
    logger: deps.logger,
    ...(deps.transport && { transport: deps.transport }),
    ...(deps.concurrency !== undefined && { concurrency: deps.concurrency }),
  });
  let lastOutcome: KongPassOutcome | null = null;
  const reconciler = createReconciler<KongPassOutcome>({
    name: 'kong',
    database: deps.database,
    logger: deps.logger,
    leaderKey: advisoryLockKeys.kongController,
    channels: [routesChannel, kongSyncChannel],
    intervalMs: deps.settings.intervalMs,
    ...deps.reconciler,
    pass: async () => {
      const outcome = await sync.pass();
      lastOutcome = outcome;
      return outcome;
    },
    onPass: (outcome) => {
      if (deps.metrics) recordPass(deps.metrics, sync.mode, outcome);
    },
  });

  return {
    mode: sync.mode,
    start: () => reconciler.start(),
    stop: () => reconciler.stop(),
    async syncNow() {
      const outcome = await reconciler.runNow();
      if (outcome === undefined) await sql`select pg_notify(${kongSyncChannel}, '')`.execute(deps.database.db);
      return outcome;
    },
    diff: () => sync.diff(),
    health() {
      const status = reconciler.status();
      return {
        mode: sync.mode,
        leading: status.leading,
        healthy: status.healthy,
        lastPassAt: status.lastPassAt,
        consecutiveFailures: status.consecutiveFailures,
        lastError: status.lastError,
        lastOutcome,
      };
    },
  };
}
