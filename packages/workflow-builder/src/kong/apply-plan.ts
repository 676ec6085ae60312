import type { KongAdminClient } from './admin-client.js';
import type { PlanOperation } from './plan.js';

/**
 * Runs a plan in order, one operation at a time, and keeps going past a failed one: one bad
 * entity (its error says why) must not keep every other interface out of Kong. A dependent
 * write after a failed one fails on its own (Kong's foreign key error), and the next pass
 * retries whatever did not land — every operation is idempotent.
 */
export interface FailedOperation {
  operation: PlanOperation;
  error: unknown;
}

export interface ApplyResult {
  applied: PlanOperation[];
  failed: FailedOperation[];
}

const apis = { service: 'services', route: 'routes', plugin: 'plugins' } as const;

export async function applyPlan(
  client: KongAdminClient,
  operations: readonly PlanOperation[],
  signal?: AbortSignal,
): Promise<ApplyResult> {
  const result: ApplyResult = { applied: [], failed: [] };
  for (const operation of operations) {
    signal?.throwIfAborted();
    const api = client[apis[operation.kind]];
    try {
      if (operation.action === 'upsert') await api.put(operation.id, operation.body, signal);
      else await api.delete(operation.id, signal);
      result.applied.push(operation);
    } catch (error) {
      if (signal?.aborted) throw error;
      result.failed.push({ operation, error });
    }
  }
  return result;
}
