import type { ColumnType, Generated } from 'kysely';

/** Tables of the connectors area; see supabase/migrations/20261122000200_connectors.sql. */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json = ColumnType<unknown, string, string>;

export type ConnectorType = 'api_key' | 'bearer' | 'basic' | 'oauth2_client_credentials' | 'oauth2_authorization_code';

export type ConnectorAuthStatus = 'ready' | 'pending_authorization' | 'needs_reauth';

export interface ConnectorsTable {
  id: Generated<string>;
  project_id: string;
  name: string;
  type: ConnectorType;
  base_url: string;
  enabled: Generated<boolean>;
  auth_status: Generated<ConnectorAuthStatus>;
  status_message: string | null;
  timeout_ms: number;
  max_retries: number;
  retry_backoff_ms: number;
  test_path: string;
  last_tested_at: NullableTimestamp;
  last_test_status: number | null;
  last_test_latency_ms: number | null;
  last_test_error: string | null;
  last_used_at: NullableTimestamp;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ConnectorCredentialsTable {
  connector_id: string;
  project_id: string;
  auth_config: Json;
  default_headers: Json;
  secret_hints: Json;
  encrypted_credentials: Json;
  encryption_key_id: string;
  credentials_version: Generated<number>;
  token_expires_at: NullableTimestamp;
  /** See supabase/migrations/20261201000400_oauth_token_lifetime.sql. */
  token_issued_at: NullableTimestamp;
  updated_at: UpdatedAt;
}

export interface OauthStatesTable {
  id: Generated<string>;
  state_hash: string;
  project_id: string;
  connector_id: string;
  user_id: string;
  redirect_uri: string;
  encrypted_verifier: Json;
  encryption_key_id: string;
  expires_at: ColumnType<Date, Date | string, Date | string>;
  consumed_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface ConnectorTables {
  connectors: ConnectorsTable;
  connector_credentials: ConnectorCredentialsTable;
  oauth_states: OauthStatesTable;
}
