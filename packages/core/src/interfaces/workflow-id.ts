import { createHash, randomUUID } from 'node:crypto';
import type { ServiceInterfaceType } from '../db/schema.services.js';
import { AppError } from '../errors.js';

/**
 * Which workflow an interface call reaches, shared by the REST gateway and the Nexus
 * handler so both name the same workflow for the same call.
 */
export interface WorkflowTarget {
  /** The interface's id: part of a start's fingerprint. */
  id: string;
  type: ServiceInterfaceType;
  serviceName: string;
  fixedWorkflowId: string | null;
  workflowIdParam: string | null;
}

/**
 * The workflow a call reaches: the service's fixed id, else its path parameter. A start whose
 * path has no parameter takes the Idempotency-Key as id (so a retry finds the same run), or a
 * fresh `<service>-<uuid>`.
 */
export function workflowIdFor(
  route: WorkflowTarget,
  params: Record<string, string>,
  idempotencyKey: string | undefined,
) {
  if (route.fixedWorkflowId !== null) return route.fixedWorkflowId;
  const fromPath = route.workflowIdParam === null ? undefined : params[route.workflowIdParam];
  if (fromPath !== undefined) return fromPath;
  if (route.type === 'start') return idempotencyKey ?? `${route.serviceName}-${randomUUID()}`;
  throw new AppError('NOT_FOUND', 'no workflow id in this path');
}

/** JSON with every object's keys sorted: the same body with its keys in another order is the same request. */
function canonicalJson(value: unknown): string {
  const sorted = (_key: string, item: unknown) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return item;
    const entries = Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return Object.fromEntries(entries);
  };
  return JSON.stringify(value, sorted) ?? '';
}

/**
 * What a retried start or update must repeat to be replayed: the interface, the workflow and
 * the input (as canonical JSON). Callers bound the input's depth (JSON.stringify recurses).
 */
export function requestFingerprint(route: Pick<WorkflowTarget, 'id'>, workflowId: string, input: unknown): string {
  return createHash('sha256')
    .update(`${route.id}\n${workflowId}\n${canonicalJson(input)}`)
    .digest('base64url');
}
