import { type KongAdminClient, readManagedState } from './admin-client.js';
import { applyPlan } from './apply-plan.js';
import { interfaceIdOf, type JsonObject, type KongKind, type KongState, stringArray } from './kong-types.js';
import { canonicalJson, normalizeEntity } from './normalize.js';
import { type PlanOperation, plan, resolve } from './plan.js';
import {
  emptyResult,
  isRefusal,
  type ModeSyncResult,
  refusalReason,
  type SyncedIds,
  type WriteCount,
} from './sync-results.js';

/**
 * DB mode: read Kong's live state by our tag, diff it field by field against the desired
 * state (normalised, see plan.ts), apply top-down with PUT by id, delete our orphans
 * bottom-up. Each pass starts from Kong's live state, never from a remembered hash, so a
 * route deleted or edited by hand is put back, and a pass cut short is finished by the next.
 *
 * `memory` holds what the previous pass left in Kong (entity → normalised body); a write
 * that restores one of those is a drift repair. The first pass after start counts none.
 */
export interface DbModeMemory {
  confirmed: Map<string, string> | undefined;
}

export interface DbModeInput {
  client: KongAdminClient;
  state: KongState;
  /** Interfaces that must have no route (disabled); deleted ones have no row to report on. */
  disabledIds: readonly string[];
  memory: DbModeMemory;
  concurrency: number;
  signal?: AbortSignal;
}

const entityKey = (kind: KongKind, id: string) => `${kind}:${id}`;

function fingerprint(kind: KongKind, body: JsonObject): string {
  return canonicalJson(normalizeEntity(kind, body));
}

function ownerOf(entity: JsonObject): string | null {
  return interfaceIdOf(stringArray(entity.tags), typeof entity.name === 'string' ? entity.name : undefined);
}

/** A failure that says nothing about the entity (Kong down, 5xx, 429): the rest would fail alike. */
const isTransient = (error: unknown) => !isRefusal(error);

export async function syncDbMode(input: DbModeInput): Promise<ModeSyncResult> {
  const result = emptyResult();
  const live = await readManagedState(input.client, input.signal);
  const operations = plan(input.state, live);
  const applied = await applyPlan(input.client, operations, input.signal, {
    concurrency: input.concurrency,
    stopWhen: isTransient,
  });

  const refusedBy = new Map<string, string>();
  const unsettled = new Set<string>();
  let unsettledGlobally = false;
  const failedKeys = new Set<string>();
  for (const { operation, error } of applied.failed) {
    failedKeys.add(entityKey(operation.kind, operation.id));
    const owner = operation.publicInterfaceId;
    if (isRefusal(error)) {
      const reason = refusalReason(operation.kind, operation.name, error);
      result.refusedEntities.push({ kind: operation.kind, reason, publicInterfaceId: owner });
      if (owner !== null && !refusedBy.has(owner)) refusedBy.set(owner, reason);
      continue;
    }
    result.transientError ??= error;
    if (owner === null) unsettledGlobally = true;
    else unsettled.add(owner);
  }
  for (const operation of applied.skipped) {
    failedKeys.add(entityKey(operation.kind, operation.id));
    if (operation.publicInterfaceId === null) unsettledGlobally = true;
    else unsettled.add(operation.publicInterfaceId);
  }

  const ids = new Map<string, SyncedIds>();
  const confirmed = new Map<string, string>();
  for (const { kind, entity } of resolve(input.state, live)) {
    const key = entityKey(kind, entity.id);
    const { id: _id, ...body } = entity;
    if (!failedKeys.has(key)) confirmed.set(key, fingerprint(kind, body));
    const owner = ownerOf(entity);
    if (owner === null || kind === 'service') continue;
    const entry = ids.get(owner) ?? { routeId: '', pluginIds: [] };
    if (kind === 'route') entry.routeId = entity.id;
    else entry.pluginIds.push(entity.id);
    ids.set(owner, entry);
  }
  for (const [owner, entry] of ids) {
    if (refusedBy.has(owner)) result.refused.set(owner, refusedBy.get(owner) ?? '');
    else if (!unsettledGlobally && !unsettled.has(owner)) result.synced.set(owner, entry);
  }
  for (const id of input.disabledIds) {
    if (refusedBy.has(id)) result.refused.set(id, refusedBy.get(id) ?? '');
    else if (!unsettledGlobally && !unsettled.has(id)) result.removed.add(id);
  }

  result.writes = applied.applied.map((operation): WriteCount => ({ kind: operation.kind, action: operation.action }));
  result.driftRepairs = countDriftRepairs(applied.applied, input.memory.confirmed);
  input.memory.confirmed = confirmed;
  return result;
}

function countDriftRepairs(applied: readonly PlanOperation[], previous: Map<string, string> | undefined): number {
  if (!previous) return 0;
  let repairs = 0;
  for (const operation of applied) {
    const key = entityKey(operation.kind, operation.id);
    if (operation.action === 'upsert') {
      if (previous.get(key) === fingerprint(operation.kind, operation.body)) repairs += 1;
    } else if (!previous.has(key)) {
      // A tagged entity nobody desired: added by hand (a removed interface's was desired before).
      repairs += 1;
    }
  }
  return repairs;
}
