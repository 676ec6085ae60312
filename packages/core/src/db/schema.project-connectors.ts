import type { ColumnType, Generated } from 'kysely';

/** Tables of the project connectors area; see supabase/migrations/20261201000700_project_connectors.sql. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

/** How far the controller got with a connector's endpoint. */
export type EndpointSyncStatus = 'pending' | 'synced' | 'error' | 'absent';

export interface ProjectConnectorsTable {
  id: Generated<string>;
  project_id: string;
  name: string;
  description: Generated<string>;
  source_project_slug: Generated<string>;
  requested_project_slug: string;
  requested_service_name: string;
  requested_interfaces: string[];
  allowed_interfaces: Generated<string[]>;
  target_project_id: string | null;
  target_service_id: string | null;
  approved_at: NullableTimestamp;
  approved_by: string | null;
  revoked_at: NullableTimestamp;
  revoked_by: string | null;
  revoked_side: 'source' | 'target' | null;
  deleted_at: NullableTimestamp;
  deleted_by: string | null;
  tombstoned_at: NullableTimestamp;
  endpoint_name: string | null;
  endpoint_id: string | null;
  endpoint_version: string | null;
  sync_status: Generated<EndpointSyncStatus>;
  sync_error: string | null;
  synced_at: NullableTimestamp;
  created_by: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ProjectConnectorTables {
  project_connectors: ProjectConnectorsTable;
}
