import type { KongAdminClient } from './admin-client.js';
import type { PlanOperation } from './plan.js';

/**
 * Runs a plan in order and keeps going past a failed operation: one bad entity (its error
 * says why) must not keep every other interface out of Kong. A dependent write after a
 * failed one fails on its own (Kong's foreign key error), and the next pass retries whatever
 * did not land — every operation is idempotent.
 *
 * Options: `concurrency` runs operations of one step (same action and kind: all route
 * upserts, say) that many at a time — the plan's order between steps is what Kong needs,
 * not the order within one. `stopWhen` ends the run at a failure that would only repeat
 * for every remaining operation (Kong down); those are returned as `skipped`.
 */
export interface FailedOperation {
  operation: PlanOperation;
  error: unknown;
}

export interface ApplyResult {
  applied: PlanOperation[];
  failed: FailedOperation[];
  skipped: PlanOperation[];
}

export interface ApplyOptions {
  concurrency?: number;
  stopWhen?: (error: unknown) => boolean;
}

const apis = { service: 'services', route: 'routes', plugin: 'plugins' } as const;

function steps(operations: readonly PlanOperation[]): PlanOperation[][] {
  const grouped: PlanOperation[][] = [];
  let current: PlanOperation[] = [];
  for (const operation of operations) {
    const head = current[0];
    if (head && (head.action !== operation.action || head.kind !== operation.kind)) {
      grouped.push(current);
      current = [];
    }
    current.push(operation);
  }
  if (current.length > 0) grouped.push(current);
  return grouped;
}

export async function applyPlan(
  client: KongAdminClient,
  operations: readonly PlanOperation[],
  signal?: AbortSignal,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const result: ApplyResult = { applied: [], failed: [], skipped: [] };
  const concurrency = Math.max(1, options.concurrency ?? 1);
  let stopped = false;

  async function run(operation: PlanOperation): Promise<void> {
    if (stopped) {
      result.skipped.push(operation);
      return;
    }
    signal?.throwIfAborted();
    const api = client[apis[operation.kind]];
    try {
      if (operation.action === 'upsert') await api.put(operation.id, operation.body, signal);
      else await api.delete(operation.id, signal);
      result.applied.push(operation);
    } catch (error) {
      if (signal?.aborted) throw error;
      result.failed.push({ operation, error });
      if (options.stopWhen?.(error)) stopped = true;
    }
  }

  for (const step of steps(operations)) {
    let next = 0;
    const worker = async () => {
      while (next < step.length) {
        const operation = step[next];
        next += 1;
        if (operation) await run(operation);
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, step.length) }, worker));
  }
  return result;
}
