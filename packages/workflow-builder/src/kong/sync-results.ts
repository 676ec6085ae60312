import { KongAdminError } from './admin-errors.js';
import type { KongKind } from './kong-types.js';

/**
 * What one mode's sync reports back to the controller, per public interface and in total.
 * An interface absent from both `synced` and `refused` is left as it is (still `pending`):
 * its writes failed for a reason that may pass (Kong down, 5xx), and the next pass retries.
 */
export type KongMode = 'db' | 'dbless';

export interface SyncedIds {
  routeId: string;
  pluginIds: string[];
}

export interface WriteCount {
  kind: KongKind | 'config';
  action: 'upsert' | 'delete' | 'push';
}

export interface ModeSyncResult {
  /** Interfaces Kong now serves as desired, with the ids of their route and plugins. */
  synced: Map<string, SyncedIds>;
  /** Interfaces Kong refused, with its reason. */
  refused: Map<string, string>;
  /** Interfaces whose removal (disabled or deleted) Kong has confirmed. */
  removed: Set<string>;
  writes: WriteCount[];
  /** Entities Kong refused (a refused interface may count more than once). */
  refusedEntities: { kind: KongKind; reason: string; publicInterfaceId: string | null }[];
  /** Writes that restored what Kong already had from us and lost or had changed by hand. */
  driftRepairs: number;
  /** A failure that may pass (Kong down, 5xx, 429 beyond the wait): the pass must be retried. */
  transientError: unknown;
  /** DB-less: bytes of the last `POST /config` body, when one was sent. */
  pushBytes?: number;
  /** DB-less: the push was skipped, Kong already holds the desired configuration. */
  skipped?: boolean;
}

export function emptyResult(): ModeSyncResult {
  return {
    synced: new Map(),
    refused: new Map(),
    removed: new Set(),
    writes: [],
    refusedEntities: [],
    driftRepairs: 0,
    transientError: undefined,
  };
}

/**
 * Kong refused the entity itself (4xx: schema, unique name, foreign key): repeating the same
 * write fails the same way until the interface changes. 429 is Kong being busy, not a verdict.
 */
export function isRefusal(error: unknown): error is KongAdminError {
  return error instanceof KongAdminError && error.status >= 400 && error.status < 500 && error.status !== 429;
}

/** Kong's own words for a refusal, prefixed with the entity, for an interface's `lastError`. */
export function refusalReason(kind: KongKind, name: string, error: KongAdminError): string {
  return `Kong refused ${kind} ${name || '(unnamed)'} (${error.status}): ${error.kongMessage}`;
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
