import { readFileSync } from 'node:fs';
import type { Database } from '@wfb/core/db/driver.js';
import type { Logger } from '@wfb/core/logger.js';
import { stringify as toYaml } from 'yaml';
import {
  type KongStatusWrite,
  type KongSyncRow,
  listKongSyncRows,
  writeKongStatuses,
} from '../domain/public-interfaces/kong-status.store.js';
import type { KongSettings, KongTranslationSettings } from '../settings.js';
import { createKongAdminClient, type KongAdminClient, readManagedState } from './admin-client.js';
import type { KongTransportOptions } from './admin-transport.js';
import { buildDeclarativeConfig, parseBaseConfig } from './declarative-config.js';
import { type DiffOperation, describePlan } from './kong-diff.js';
import type { JsonObject } from './kong-types.js';
import { plan } from './plan.js';
import { type DbModeMemory, syncDbMode } from './sync-db-mode.js';
import { type DblessMemory, syncDbless } from './sync-dbless-mode.js';
import type { KongMode, ModeSyncResult, WriteCount } from './sync-results.js';
import { type PublicInterfaceInput, type RejectedInterface, translate } from './translate.js';

/**
 * One Kong sync pass, either mode: public interfaces (database) → desired Kong state → Kong
 * → per-interface status (database). The controller runs it on the leader; `wfb kong sync`
 * runs it once. A pass that could not reach Kong throws after recording what it settled, so
 * the caller retries with backoff and interfaces not settled stay `pending`.
 */
export interface KongPassOutcome {
  mode: KongMode;
  interfaces: number;
  /** Writes sent to Kong (DB-less: configuration pushes). */
  writes: number;
  writeCounts: WriteCount[];
  /** Entities Kong refused, plus interfaces that could not be translated. */
  errors: number;
  driftRepairs: number;
  statusesWritten: number;
  synced: number;
  refused: number;
  /** DB-less: the push was skipped (Kong holds the desired configuration). */
  skipped: boolean;
  pushBytes: number | undefined;
  /** Refusals of no public interface (the shared service, the base file); for operators. */
  unattributed: string[];
}

export interface KongSyncDeps {
  settings: KongSettings;
  database: Database;
  logger: Logger;
  /** Tests: shorter timeouts, no retry waits. */
  transport?: Partial<KongTransportOptions>;
  /** Writes in flight at once within one step of a DB-mode plan. */
  concurrency?: number;
}

export interface KongDiff {
  mode: KongMode;
  operations: DiffOperation[];
  rejected: RejectedInterface[];
}

export function readBaseConfig(path: string): JsonObject {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`cannot read the Kong base config ${path}: ${error instanceof Error ? error.message : error}`);
  }
  return parseBaseConfig(text);
}

function inputOf(row: KongSyncRow): PublicInterfaceInput {
  return {
    publicInterfaceId: row.id,
    projectId: row.projectId,
    routeHash: row.routeHash,
    method: row.method,
    path: row.path,
    rateLimitPerMinute: row.rateLimitPerMinute,
    enabled: row.enabled,
  };
}

function translateRows(rows: readonly KongSyncRow[], settings: KongTranslationSettings) {
  return translate(rows.map(inputOf), {
    upstreamUrl: settings.upstreamUrl,
    bodyLimitBytes: settings.bodyLimitBytes,
    rateLimit: settings.rateLimit,
    mode: settings.mode,
  });
}

/** The desired configuration as a kong.yml (DB-less `/config` and decK both take it). */
export async function exportKongConfig(database: Database, settings: KongTranslationSettings) {
  const rows = await listKongSyncRows(database.db);
  const { state, rejected } = translateRows(rows, settings);
  const config = buildDeclarativeConfig(state, readBaseConfig(settings.baseConfigPath));
  return { yaml: toYaml(config, { lineWidth: 0 }), config, rejected };
}

function statusWrites(rows: readonly KongSyncRow[], rejected: RejectedInterface[], result: ModeSyncResult) {
  const rejectedBy = new Map(rejected.map((item) => [item.publicInterfaceId, item.reason]));
  const writes: KongStatusWrite[] = [];
  for (const row of rows) {
    const base = { publicInterfaceId: row.id, projectId: row.projectId, revision: row.revision };
    const reason = rejectedBy.get(row.id) ?? result.refused.get(row.id);
    const ids = result.synced.get(row.id);
    let write: KongStatusWrite;
    if (reason !== undefined) {
      write = { ...base, status: 'error', kongRouteId: null, kongPluginIds: [], lastError: reason };
    } else if (ids) {
      write = { ...base, status: 'synced', kongRouteId: ids.routeId, kongPluginIds: ids.pluginIds, lastError: null };
    } else if (result.removed.has(row.id)) {
      write = { ...base, status: 'synced', kongRouteId: null, kongPluginIds: [], lastError: null };
    } else {
      write = {
        ...base,
        status: 'pending',
        kongRouteId: row.kongRouteId,
        kongPluginIds: row.kongPluginIds,
        lastError: null,
      };
    }
    const unchanged =
      write.status === row.status &&
      write.lastError === row.lastError &&
      write.kongRouteId === row.kongRouteId &&
      write.kongPluginIds.join() === row.kongPluginIds.join() &&
      row.revision > 0;
    if (!unchanged) writes.push(write);
  }
  return writes;
}

export function createKongSync(deps: KongSyncDeps) {
  const { settings } = deps;
  const log = deps.logger.child({ component: 'kong-sync', mode: settings.mode });
  // DB-less needs the base from the start: a missing file is a startup error, not a pass error.
  const base = settings.mode === 'dbless' ? readBaseConfig(settings.baseConfigPath) : undefined;
  const client: KongAdminClient = createKongAdminClient({
    baseUrl: settings.adminUrl,
    ...(settings.adminToken && { adminToken: settings.adminToken }),
    ...deps.transport,
  });
  const dbMemory: DbModeMemory = { confirmed: undefined };
  const dblessMemory: DblessMemory = { last: undefined };

  async function pass(signal?: AbortSignal): Promise<KongPassOutcome> {
    const rows = await listKongSyncRows(deps.database.db);
    const { state, rejected } = translateRows(rows, settings);
    const disabledIds = rows.filter((row) => !row.enabled).map((row) => row.id);
    const result =
      settings.mode === 'db'
        ? await syncDbMode({
            client,
            state,
            disabledIds,
            memory: dbMemory,
            concurrency: deps.concurrency ?? 8,
            ...(signal && { signal }),
          })
        : await syncDbless({
            client,
            translateWithout: (excluded) =>
              translateRows(
                rows.filter((row) => !excluded.has(row.id)),
                settings,
              ).state,
            base,
            disabledIds,
            memory: dblessMemory,
            ...(signal && { signal }),
          });
    const writes = statusWrites(rows, rejected, result);
    const statusesWritten = await writeKongStatuses(deps.database.db, writes);
    for (const write of writes) {
      if (write.status === 'error')
        log.warn(
          { publicInterfaceId: write.publicInterfaceId, reason: write.lastError },
          'Kong does not serve a public interface',
        );
    }
    if (result.transientError !== undefined) throw result.transientError;
    const unattributed = result.refusedEntities.filter((item) => item.publicInterfaceId === null);
    for (const item of unattributed) log.warn({ reason: item.reason }, 'Kong refused a shared entity');
    return {
      mode: settings.mode,
      interfaces: rows.length,
      writes: result.writes.length,
      writeCounts: result.writes,
      errors: result.refusedEntities.length + rejected.length,
      driftRepairs: result.driftRepairs,
      statusesWritten,
      synced: result.synced.size + result.removed.size,
      refused: result.refused.size + rejected.length,
      skipped: result.skipped === true,
      pushBytes: result.pushBytes,
      unattributed: unattributed.map((item) => item.reason),
    };
  }

  async function diff(signal?: AbortSignal): Promise<KongDiff> {
    const rows = await listKongSyncRows(deps.database.db);
    const { state, rejected } = translateRows(rows, settings);
    const live = await readManagedState(client, signal);
    return { mode: settings.mode, operations: describePlan(plan(state, live), live), rejected };
  }

  return { mode: settings.mode, client, pass, diff };
}

export type KongSync = ReturnType<typeof createKongSync>;
