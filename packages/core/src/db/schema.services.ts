import type { ColumnType, Generated } from 'kysely';

/** Tables of the services area; see supabase/migrations/20261122000300_services.sql. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
/** jsonb read back as parsed JSON, written as a JSON string. */
type NullableJson = ColumnType<unknown, string | null, string | null>;

export type WorkflowIdMode = 'fixed' | 'path_param';
export type ServiceInterfaceType = 'signal' | 'query' | 'update' | 'start';
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface WorkflowsTable {
  id: Generated<string>;
  project_id: string;
  name: string;
  display_name: string;
  description: Generated<string>;
  workflow_type: string;
  task_queue: string;
  workflow_id_mode: WorkflowIdMode;
  fixed_workflow_id: string | null;
  workflow_id_param: string | null;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ServiceInterfacesTable {
  id: Generated<string>;
  project_id: string;
  workflow_id: string;
  name: string;
  display_name: string;
  description: Generated<string>;
  type: ServiceInterfaceType;
  callable_name: string | null;
  input_schema: NullableJson;
  output_schema: NullableJson;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface PublicInterfacesTable {
  id: Generated<string>;
  project_id: string;
  service_interface_id: string;
  method: HttpMethod;
  path: string;
  route_hash: string;
  auth: Generated<'api_key'>;
  rate_limit_per_minute: number | null;
  enabled: Generated<boolean>;
  description: Generated<string>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ServiceTables {
  workflows: WorkflowsTable;
  service_interfaces: ServiceInterfacesTable;
  public_interfaces: PublicInterfacesTable;
}
