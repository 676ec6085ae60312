import type { EndpointSyncStatus } from '@wfb/core/db/schema.project-connectors.js';
import type { Queryable } from '../db/tx.js';
import type { ControllerRow } from './endpoint-plan.js';

/**
 * The endpoint controller's database access, as the service role: every connector with its
 * namespaces (desired state), and its bookkeeping columns, which users cannot write.
 */
export interface ControllerRowWithStatus extends ControllerRow {
  endpointVersion: string | null;
  syncStatus: EndpointSyncStatus;
  syncError: string | null;
}

export async function listControllerRows(db: Queryable): Promise<ControllerRowWithStatus[]> {
  const rows = await db
    .selectFrom('project_connectors as c')
    .innerJoin('projects as src', 'src.id', 'c.project_id')
    .leftJoin('projects as tgt', 'tgt.id', 'c.target_project_id')
    .select([
      'c.id',
      'c.name',
      'c.project_id',
      'src.temporal_namespace as source_namespace',
      'c.target_project_id',
      'tgt.temporal_namespace as target_namespace',
      'c.approved_at',
      'c.revoked_at',
      'c.deleted_at',
      'c.tombstoned_at',
      'c.endpoint_name',
      'c.endpoint_id',
      'c.endpoint_version',
      'c.sync_status',
      'c.sync_error',
      'c.created_at',
    ])
    .execute();
  return rows.map((row) => ({
    id: row.id,
    name: row.name,
    projectId: row.project_id,
    sourceNamespace: row.source_namespace,
    targetProjectId: row.target_project_id,
    targetNamespace: row.target_namespace,
    approvedAt: row.approved_at,
    revokedAt: row.revoked_at,
    deletedAt: row.deleted_at,
    tombstonedAt: row.tombstoned_at,
    endpointName: row.endpoint_name,
    endpointId: row.endpoint_id,
    endpointVersion: row.endpoint_version,
    syncStatus: row.sync_status,
    syncError: row.sync_error,
    createdAt: row.created_at,
  }));
}

export interface EndpointStatus {
  endpointName: string;
  endpointId: string | null;
  endpointVersion: string | null;
  syncStatus: EndpointSyncStatus;
  syncError: string | null;
}

export async function writeEndpointStatus(db: Queryable, id: string, status: EndpointStatus): Promise<void> {
  await db
    .updateTable('project_connectors')
    .set({
      endpoint_name: status.endpointName,
      endpoint_id: status.endpointId,
      endpoint_version: status.endpointVersion,
      sync_status: status.syncStatus,
      sync_error: status.syncError,
      synced_at: new Date(),
    })
    .where('id', '=', id)
    .execute();
}

/** Hard-deletes tombstones whose retention ended (or that a newer connector superseded). */
export async function purgeConnectors(db: Queryable, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const result = await db
    .deleteFrom('project_connectors')
    .where('id', 'in', [...ids])
    .where('deleted_at', 'is not', null)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
