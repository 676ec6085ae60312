import { nexusEndpointName } from '@wfb/core/nexus/endpoint-name.js';

/**
 * What the Nexus endpoint controller wants, and what it must do to get there. Pure: the
 * controller feeds it database rows and the endpoints Temporal lists, and applies the result.
 *
 * Desired: one endpoint per active connector, named from (source namespace, connector name),
 * targeting the target project's namespace on the Nexus task queue. A connector that stopped
 * being active (revoked, deleted, target project deleted) keeps its endpoint as a tombstone
 * for the retention period, so callers get UNAUTHORIZED from a handler at once instead of
 * hanging on an endpoint that does not exist (temporalio/temporal#6439). A tombstone targets
 * the target namespace while that project exists, else the source namespace: either way a
 * handler that knows the connector refuses the call.
 *
 * Ours are the endpoints whose description carries our marker and our scope (deployments
 * sharing a cluster use different scopes); no other endpoint is ever updated or deleted, and
 * a foreign endpoint holding a wanted name is reported, not taken.
 */
export const endpointMarker = 'workflow-builder/project-connector';

export interface EndpointDescription {
  managedBy: typeof endpointMarker;
  scope: string;
  connectorId: string;
  sourceProjectId: string;
  targetProjectId: string | null;
  state: 'active' | 'tombstone';
}

export interface EndpointSpec {
  name: string;
  namespace: string;
  taskQueue: string;
  description: EndpointDescription;
}

export interface ControllerRow {
  id: string;
  name: string;
  projectId: string;
  sourceNamespace: string;
  targetProjectId: string | null;
  targetNamespace: string | null;
  approvedAt: Date | null;
  revokedAt: Date | null;
  deletedAt: Date | null;
  tombstonedAt: Date | null;
  endpointName: string | null;
  endpointId: string | null;
  createdAt: Date;
}

export interface ActualEndpoint {
  id: string;
  /** Opaque: handed back unchanged on update and delete. */
  version: unknown;
  versionText: string;
  name: string;
  namespace: string | undefined;
  taskQueue: string | undefined;
  /** Undefined when the endpoint is not ours. */
  description: EndpointDescription | undefined;
}

export interface DesiredState {
  /** By endpoint name: the connector that owns it and the spec it should have. */
  endpoints: Map<string, { connectorId: string; spec: EndpointSpec }>;
  /** Connector id → its endpoint name (every row, wanted or not). */
  names: Map<string, string>;
  /** Deleted connectors that need no endpoint any more: their rows go once it is gone. */
  purge: string[];
}

export interface DesireOptions {
  scope: string;
  taskQueue: string;
  retentionMs: number;
  now: number;
}

function isActive(row: ControllerRow): boolean {
  return !row.deletedAt && !row.revokedAt && row.approvedAt !== null && row.targetProjectId !== null;
}

function wantsTombstone(row: ControllerRow, options: DesireOptions): boolean {
  if (isActive(row) || row.endpointId === null || row.approvedAt === null) return false;
  const since = row.tombstonedAt?.getTime() ?? options.now;
  return options.now < since + options.retentionMs;
}

/** One row per endpoint name: a live connector beats tombstones, a newer tombstone an older one. */
function ranks(row: ControllerRow): [number, number] {
  return [row.deletedAt ? 0 : 1, row.createdAt.getTime()];
}

export function desiredState(rows: readonly ControllerRow[], options: DesireOptions): DesiredState {
  const names = new Map<string, string>();
  const winners = new Map<string, ControllerRow>();
  const purge: string[] = [];
  for (const row of rows) {
    const name = nexusEndpointName(row.sourceNamespace, row.name);
    names.set(row.id, name);
    const current = winners.get(name);
    if (!current) {
      winners.set(name, row);
      continue;
    }
    const [a, b] = [ranks(row), ranks(current)];
    const better = a[0] > b[0] || (a[0] === b[0] && a[1] > b[1]);
    const loser = better ? current : row;
    if (better) winners.set(name, row);
    if (loser.deletedAt) purge.push(loser.id);
  }
  const endpoints = new Map<string, { connectorId: string; spec: EndpointSpec }>();
  for (const [name, row] of winners) {
    const active = isActive(row);
    if (!active && !wantsTombstone(row, options)) {
      if (row.deletedAt) purge.push(row.id);
      continue;
    }
    const namespace = row.targetNamespace ?? row.sourceNamespace;
    endpoints.set(name, {
      connectorId: row.id,
      spec: {
        name,
        namespace,
        taskQueue: options.taskQueue,
        description: {
          managedBy: endpointMarker,
          scope: options.scope,
          connectorId: row.id,
          sourceProjectId: row.projectId,
          targetProjectId: row.targetProjectId,
          state: active ? 'active' : 'tombstone',
        },
      },
    });
  }
  return { endpoints, names, purge };
}

export type EndpointAction =
  | { kind: 'create'; connectorId: string; spec: EndpointSpec }
  | { kind: 'update'; connectorId: string; current: ActualEndpoint; spec: EndpointSpec }
  | { kind: 'delete'; current: ActualEndpoint };

export interface EndpointPlan {
  actions: EndpointAction[];
  /** Connectors whose endpoint already matches. */
  inSync: Map<string, ActualEndpoint>;
  /** Connectors whose wanted name is held by an endpoint that is not ours. */
  conflicts: Map<string, string>;
}

function sameDescription(a: EndpointDescription | undefined, b: EndpointDescription): boolean {
  return (
    a !== undefined &&
    a.scope === b.scope &&
    a.connectorId === b.connectorId &&
    a.sourceProjectId === b.sourceProjectId &&
    a.targetProjectId === b.targetProjectId &&
    a.state === b.state
  );
}

export function matches(actual: ActualEndpoint, spec: EndpointSpec): boolean {
  return (
    actual.name === spec.name &&
    actual.namespace === spec.namespace &&
    actual.taskQueue === spec.taskQueue &&
    sameDescription(actual.description, spec.description)
  );
}

export function planEndpoints(desired: DesiredState, all: readonly ActualEndpoint[], scope: string): EndpointPlan {
  // Another scope's endpoints are as foreign as anyone's.
  const actual = all.map((endpoint) =>
    endpoint.description?.scope === scope ? endpoint : { ...endpoint, description: undefined },
  );
  const byName = new Map(actual.map((endpoint) => [endpoint.name, endpoint]));
  const actions: EndpointAction[] = [];
  const inSync = new Map<string, ActualEndpoint>();
  const conflicts = new Map<string, string>();
  for (const [name, { connectorId, spec }] of desired.endpoints) {
    const current = byName.get(name);
    if (!current) actions.push({ kind: 'create', connectorId, spec });
    else if (!current.description) {
      conflicts.set(connectorId, `an endpoint named "${name}" exists and is not managed by this control plane`);
    } else if (matches(current, spec)) inSync.set(connectorId, current);
    else actions.push({ kind: 'update', connectorId, current, spec });
  }
  for (const endpoint of actual) {
    if (endpoint.description && !desired.endpoints.has(endpoint.name))
      actions.push({ kind: 'delete', current: endpoint });
  }
  return { actions, inSync, conflicts };
}
