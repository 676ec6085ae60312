import { type Kysely, sql } from 'kysely';

/**
 * What a worker may read: the two views of migration 20261201000700, as role `wfb_worker`
 * (or the service role in-process, on PGlite). No table, no secret, no write.
 */
export type ConnectorPolicyState = 'pending_approval' | 'active' | 'revoked' | 'deleted' | 'target_deleted';

export interface PolicyInterfaceRow {
  id: string;
  name: string;
  type: 'signal' | 'query' | 'update' | 'start';
  callableName: string | null;
  inputSchema: unknown;
}

export interface ConnectorPolicyRow {
  id: string;
  name: string;
  source_project_id: string;
  source_namespace: string;
  target_project_id: string | null;
  target_namespace: string | null;
  endpoint_name: string | null;
  endpoint_ready: boolean;
  state: ConnectorPolicyState;
  service_name: string | null;
  workflow_type: string | null;
  task_queue: string | null;
  workflow_id_mode: 'fixed' | 'path_param' | null;
  fixed_workflow_id: string | null;
  workflow_id_param: string | null;
  allowed_interfaces: string[];
  interfaces: PolicyInterfaceRow[];
  created_at: Date;
}

export async function loadConnectorPolicies<DB>(db: Kysely<DB>): Promise<ConnectorPolicyRow[]> {
  const result = await sql<ConnectorPolicyRow>`select * from wfb_worker.connector_policy`.execute(db);
  return result.rows;
}

export interface ProjectNamespaceRow {
  id: string;
  slug: string;
  temporal_namespace: string;
}

export async function loadProjectNamespaces<DB>(db: Kysely<DB>): Promise<ProjectNamespaceRow[]> {
  const result = await sql<ProjectNamespaceRow>`
    select id, slug, temporal_namespace from wfb_worker.project_namespaces order by temporal_namespace`.execute(db);
  return result.rows;
}

/** NOTIFY channels a worker's caches listen on (see the migration's triggers). */
export const policyChannels = {
  connectors: 'wfb_project_connectors',
  endpoints: 'wfb_nexus_endpoints',
  routes: 'wfb_routes',
  projects: 'wfb_projects',
} as const;
