import type { KongEntity, KongKind, LiveKongState } from './kong-types.js';
import { canonicalJson, normalizeEntity } from './normalize.js';
import type { PlanOperation } from './plan.js';

/**
 * A plan as an operator reads it (`kong.diff`, `wfb kong diff`): what would be written, to
 * which entity, and which fields differ — never the bodies, which may hold a Redis password.
 */
export interface DiffOperation {
  action: 'create' | 'update' | 'delete';
  kind: KongKind;
  id: string;
  name: string;
  publicInterfaceId: string | null;
  /** Fields that differ from Kong's live entity (update only). */
  fields?: string[];
}

function liveById(live: LiveKongState): Record<KongKind, Map<string, KongEntity>> {
  const index = (entities: KongEntity[]) => new Map(entities.map((entity) => [entity.id, entity]));
  return { service: index(live.services), route: index(live.routes), plugin: index(live.plugins) };
}

export function describePlan(operations: readonly PlanOperation[], live: LiveKongState): DiffOperation[] {
  const current = liveById(live);
  return operations.map((operation) => {
    const base = {
      kind: operation.kind,
      id: operation.id,
      name: operation.name,
      publicInterfaceId: operation.publicInterfaceId,
    };
    if (operation.action === 'delete') return { action: 'delete', ...base };
    const existing = current[operation.kind].get(operation.id);
    if (!existing) return { action: 'create', ...base };
    const desired = normalizeEntity(operation.kind, operation.body);
    const actual = normalizeEntity(operation.kind, existing);
    const fields = Object.keys(desired)
      .filter((field) => field !== 'id')
      .filter((field) => canonicalJson(desired[field] ?? null) !== canonicalJson(actual[field] ?? null));
    return { action: 'update', ...base, fields };
  });
}

export function summarizeDiff(operations: readonly DiffOperation[]): Record<DiffOperation['action'], number> {
  const counts = { create: 0, update: 0, delete: 0 };
  for (const operation of operations) counts[operation.action] += 1;
  return counts;
}
