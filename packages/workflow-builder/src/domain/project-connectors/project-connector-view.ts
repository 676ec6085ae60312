import type { ProjectConnectorRow } from './project-connectors.store.js';

/**
 * A connector's lifecycle, derived from its timestamps (the same rule as the worker's policy
 * view in migration 20261201000700): only `active` connectors have a live endpoint; revoked,
 * deleted and target-deleted ones are tombstones whose endpoint refuses calls.
 */
export type ProjectConnectorState = 'pending_approval' | 'active' | 'revoked' | 'deleted' | 'target_deleted';

export function connectorState(
  row: Pick<ProjectConnectorRow, 'approved_at' | 'revoked_at' | 'deleted_at' | 'target_project_id'>,
): ProjectConnectorState {
  if (row.deleted_at) return 'deleted';
  if (row.revoked_at) return 'revoked';
  if (!row.approved_at) return 'pending_approval';
  if (!row.target_project_id) return 'target_deleted';
  return 'active';
}

/**
 * What either side sees. A pending request shows only what the requester typed; the target's
 * ids appear once an admin there approved, so a requester learns nothing about the target
 * before that.
 */
export function toConnectorView(row: ProjectConnectorRow) {
  return {
    id: row.id,
    projectId: row.project_id,
    sourceProjectSlug: row.source_project_slug,
    name: row.name,
    description: row.description,
    state: connectorState(row),
    requested: {
      projectSlug: row.requested_project_slug,
      serviceName: row.requested_service_name,
      interfaces: row.requested_interfaces,
    },
    allowedInterfaces: row.allowed_interfaces,
    targetProjectId: row.target_project_id,
    targetServiceId: row.target_service_id,
    approvedAt: row.approved_at,
    revokedAt: row.revoked_at,
    revokedSide: row.revoked_side,
    deletedAt: row.deleted_at,
    endpoint: {
      name: row.endpoint_name,
      status: row.sync_status,
      error: row.sync_error,
      syncedAt: row.synced_at,
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export type ProjectConnectorView = ReturnType<typeof toConnectorView>;
