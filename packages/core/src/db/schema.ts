import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { ConnectorTables } from './schema.connectors.js';
import type { KongTables } from './schema.kong.js';
import type { ProjectConnectorTables } from './schema.project-connectors.js';
import type { ServiceTables } from './schema.services.js';

/** Kysely's view of the tables. The SQL migrations are the source of truth; keep in step. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json = ColumnType<unknown, string, string>;

export interface ProjectsTable {
  id: Generated<string>;
  slug: string;
  name: string;
  temporal_namespace: string;
  created_by: string;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export type MemberRole = 'owner' | 'admin' | 'member' | 'viewer';

export interface ProjectMembersTable {
  project_id: string;
  user_id: string;
  role: MemberRole;
  created_at: CreatedAt;
}

export interface ApiKeysTable {
  id: Generated<string>;
  project_id: string;
  name: string;
  key_hash: string;
  hint: string;
  environment: string;
  public_interface_id: string | null;
  rate_limit_per_minute: number | null;
  expires_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  replaced_by: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface AuditEventsTable {
  id: Generated<string>;
  project_id: string;
  actor_type: 'user' | 'api_key' | 'system';
  actor_id: string | null;
  action: string;
  entity_type: string;
  entity_id: string | null;
  metadata: Json;
  created_at: CreatedAt;
}

export interface FoundationTables {
  projects: ProjectsTable;
  project_members: ProjectMembersTable;
  api_keys: ApiKeysTable;
  audit_events: AuditEventsTable;
}

/** Each area declares its own tables next to its migration; this joins them into one view. */
export interface DB extends FoundationTables, ConnectorTables, ServiceTables, KongTables, ProjectConnectorTables {}

export type ProjectRow = Selectable<ProjectsTable>;
export type ApiKeyRow = Selectable<ApiKeysTable>;
export type NewAuditEvent = Insertable<AuditEventsTable>;
