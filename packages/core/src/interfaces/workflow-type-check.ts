import type { Client } from '@temporalio/client';
import { LRUCache } from 'lru-cache';
import { AppError } from '../errors.js';

/**
 * A public call names its workflow by a path parameter, and Temporal routes signals, queries
 * and updates by workflow id alone: without a check, a key scoped to one interface could reach
 * a workflow of another service in the same namespace whose handler has the same name. So
 * before such a call the target's workflow type must be the service's.
 *
 * Trade-off: the check is a DescribeWorkflowExecution round trip, paid once per workflow id
 * and TTL (then remembered), so repeated calls to one entity cost nothing extra. A workflow
 * id that a start of another type reuses within the TTL passes until its entry expires.
 * Fixed workflow ids are configured by project members, not chosen by callers, and are not
 * checked.
 */
export interface WorkflowTypeCheckOptions {
  clock: () => number;
  ttlMs?: number;
  maxEntries?: number;
}

export interface TypedTarget {
  namespace: string;
  workflowId: string;
  workflowType: string;
}

export function createWorkflowTypeCheck(options: WorkflowTypeCheckOptions) {
  const ttlMs = options.ttlMs ?? 60_000;
  const known = new LRUCache<string, { type: string; until: number }>({ max: options.maxEntries ?? 10_000 });

  /** Resolves when the target runs the expected type; a mismatch is the same 404 as no workflow. */
  return async function ensureWorkflowType(client: Client, target: TypedTarget): Promise<void> {
    const cacheKey = `${target.namespace}\n${target.workflowId}`;
    let entry = known.get(cacheKey);
    if (!entry || entry.until <= options.clock()) {
      const description = await client.workflow.getHandle(target.workflowId).describe();
      entry = { type: description.type, until: options.clock() + ttlMs };
      known.set(cacheKey, entry);
    }
    if (entry.type !== target.workflowType) {
      throw new AppError('NOT_FOUND', `workflow "${target.workflowId}" not found`);
    }
  };
}

export type EnsureWorkflowType = ReturnType<typeof createWorkflowTypeCheck>;
