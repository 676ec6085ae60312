import type { Database } from '@wfb/core/db/driver.js';
import { grpcCode } from '@wfb/core/interfaces/temporal-errors.js';
import type { Logger } from '@wfb/core/logger.js';
import { advisoryLockKeys } from '../db/advisory-lock.js';
import { createReconciler, type PassOutcome, type Reconciler } from '../reconcile/reconciler.js';
import { type ActualEndpoint, desiredState, type EndpointAction, planEndpoints } from './endpoint-plan.js';
import {
  type ControllerRowWithStatus,
  type EndpointStatus,
  listControllerRows,
  purgeConnectors,
  writeEndpointStatus,
} from './nexus-controller.store.js';
import type { EndpointApi } from './operator-endpoints.js';

/**
 * The Nexus endpoint controller: level-triggered like the Kong controller. Each pass reads
 * every connector (desired), lists the cluster's endpoints (actual), creates, updates and
 * deletes ours to match, then writes each connector's status. Runs on the leader only, on a
 * connector change (NOTIFY `wfb_project_connectors`) and on a timer, which also ends tombstone
 * retention and repairs drift (an endpoint deleted by hand, a dev server restarted).
 *
 * A refused change (missing target namespace, name taken) is that connector's error and the
 * pass goes on; an unreachable Temporal fails the whole pass, leaves statuses as they were
 * (new connectors stay `pending`) and the reconciler retries with backoff.
 */
export const connectorChannel = 'wfb_project_connectors';

export interface NexusControllerOptions {
  database: Database;
  logger: Logger;
  endpoints: EndpointApi;
  /** Tells this deployment's endpoints from another's on a shared cluster. */
  scope: string;
  taskQueue: string;
  tombstoneRetentionMs: number;
  intervalMs?: number;
  debounceMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  clock?: () => number;
}

export interface NexusPassOutcome extends PassOutcome {
  created: number;
  updated: number;
  deleted: number;
  purged: number;
}

const grpc = { cancelled: 1, deadlineExceeded: 4, resourceExhausted: 8, unavailable: 14 } as const;

/** Not this endpoint's fault: the cluster is unreachable, overloaded or too slow. */
function isOutage(error: unknown): boolean {
  const code = grpcCode(error);
  return code === undefined || Object.values(grpc).includes(code as (typeof grpc)[keyof typeof grpc]);
}

/** The server's own words: gRPC `details` when there are any. */
function serverMessage(error: unknown): string {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth += 1) {
    const details = (current as { details?: unknown }).details;
    if (typeof details === 'string' && details.length > 0) return details.slice(0, 2_000);
    current = (current as { cause?: unknown }).cause;
  }
  return (error instanceof Error ? error.message : String(error)).slice(0, 2_000);
}

function sameStatus(row: ControllerRowWithStatus, next: EndpointStatus): boolean {
  return (
    row.endpointName === next.endpointName &&
    row.endpointId === next.endpointId &&
    row.endpointVersion === next.endpointVersion &&
    row.syncStatus === next.syncStatus &&
    row.syncError === next.syncError
  );
}

export interface NexusController extends Reconciler<NexusPassOutcome> {}

export function createNexusController(options: NexusControllerOptions): NexusController {
  const clock = options.clock ?? Date.now;
  const log = options.logger.child({ controller: 'nexus' });

  async function pass(): Promise<NexusPassOutcome> {
    const rows = await listControllerRows(options.database.db);
    const desired = desiredState(rows, {
      scope: options.scope,
      taskQueue: options.taskQueue,
      retentionMs: options.tombstoneRetentionMs,
      now: clock(),
    });
    const plan = planEndpoints(desired, await options.endpoints.list(), options.scope);
    const outcome: NexusPassOutcome = { writes: 0, errors: 0, created: 0, updated: 0, deleted: 0, purged: 0 };
    const synced = new Map<string, ActualEndpoint>(plan.inSync);
    const failed = new Map<string, string>(plan.conflicts);
    const undeleted = new Map<string, string>();

    async function apply(action: EndpointAction) {
      switch (action.kind) {
        case 'create':
          synced.set(action.connectorId, await options.endpoints.create(action.spec));
          outcome.created += 1;
          break;
        case 'update':
          synced.set(action.connectorId, await options.endpoints.update(action.current, action.spec));
          outcome.updated += 1;
          break;
        case 'delete':
          await options.endpoints.delete(action.current);
          outcome.deleted += 1;
          break;
      }
      outcome.writes += 1;
    }

    for (const action of plan.actions) {
      try {
        await apply(action);
      } catch (error) {
        if (isOutage(error)) throw error;
        outcome.errors += 1;
        const message = serverMessage(error);
        if (action.kind === 'delete') undeleted.set(action.current.name, message);
        else failed.set(action.connectorId, message);
        log.warn(
          {
            err: error,
            action: action.kind,
            endpoint: action.kind === 'delete' ? action.current.name : action.spec.name,
          },
          'nexus endpoint change refused',
        );
      }
    }

    const purge = new Set(desired.purge);
    for (const row of rows) {
      if (purge.has(row.id)) continue;
      const endpointName = desired.names.get(row.id) ?? row.endpointName ?? '';
      const owner = desired.endpoints.get(endpointName)?.connectorId === row.id;
      const endpoint = synced.get(row.id);
      const error = failed.get(row.id) ?? (owner ? undefined : undeleted.get(endpointName));
      const next: EndpointStatus = error
        ? {
            endpointName,
            endpointId: owner ? (endpoint?.id ?? row.endpointId) : row.endpointId,
            endpointVersion: row.endpointVersion,
            syncStatus: 'error',
            syncError: error,
          }
        : owner && endpoint
          ? {
              endpointName,
              endpointId: endpoint.id,
              endpointVersion: endpoint.versionText,
              syncStatus: 'synced',
              syncError: null,
            }
          : { endpointName, endpointId: null, endpointVersion: null, syncStatus: 'absent', syncError: null };
      if (sameStatus(row, next)) continue;
      if (next.syncStatus === 'error' && row.syncError !== next.syncError) {
        log.warn(
          { connectorId: row.id, endpoint: endpointName, error: next.syncError },
          'project connector endpoint failed',
        );
      }
      await writeEndpointStatus(options.database.db, row.id, next);
    }
    outcome.purged = await purgeConnectors(options.database.db, [...purge]);
    return outcome;
  }

  return createReconciler({
    name: 'nexus',
    database: options.database,
    logger: options.logger,
    leaderKey: advisoryLockKeys.nexusController,
    channels: [connectorChannel],
    pass,
    ...(options.intervalMs !== undefined && { intervalMs: options.intervalMs }),
    ...(options.debounceMs !== undefined && { debounceMs: options.debounceMs }),
    ...(options.backoffInitialMs !== undefined && { backoffInitialMs: options.backoffInitialMs }),
    ...(options.backoffMaxMs !== undefined && { backoffMaxMs: options.backoffMaxMs }),
  });
}
