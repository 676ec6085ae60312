import type { ConnectorsTable } from '@wfb/core/db/schema.connectors.js';
import type { Selectable } from 'kysely';
import type { findSettings } from './connectors.store.js';

/**
 * The only shapes of a connector that leave the service. The summary is what every
 * member (viewers included) sees; settings are added for writers only, and hold which
 * secrets are set with a hint where that is safe, never a value.
 */
type ConnectorRow = Pick<
  Selectable<ConnectorsTable>,
  | 'id'
  | 'project_id'
  | 'name'
  | 'type'
  | 'base_url'
  | 'enabled'
  | 'auth_status'
  | 'status_message'
  | 'timeout_ms'
  | 'max_retries'
  | 'retry_backoff_ms'
  | 'test_path'
  | 'last_tested_at'
  | 'last_test_status'
  | 'last_test_latency_ms'
  | 'last_test_error'
  | 'last_used_at'
  | 'created_at'
  | 'updated_at'
>;
type SettingsRow = NonNullable<Awaited<ReturnType<typeof findSettings>>>;

export function toSummary(row: ConnectorRow) {
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    type: row.type,
    baseUrl: row.base_url,
    enabled: row.enabled,
    authStatus: row.auth_status,
    statusMessage: row.status_message,
    timeoutMs: row.timeout_ms,
    maxRetries: row.max_retries,
    retryBackoffMs: row.retry_backoff_ms,
    testPath: row.test_path,
    lastTest: row.last_tested_at
      ? {
          at: row.last_tested_at,
          status: row.last_test_status,
          latencyMs: row.last_test_latency_ms,
          error: row.last_test_error,
        }
      : null,
    lastUsedAt: row.last_used_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export type ConnectorSummary = ReturnType<typeof toSummary>;

export function toDetail(row: ConnectorRow, settings: SettingsRow | undefined) {
  return {
    ...toSummary(row),
    settings: settings
      ? {
          auth: settings.auth_config as Record<string, unknown>,
          defaultHeaders: settings.default_headers as Record<string, string>,
          secrets: settings.secret_hints as Record<string, { set: boolean; hint: string | null }>,
          tokenExpiresAt: settings.token_expires_at,
        }
      : null,
  };
}

export type ConnectorDetail = ReturnType<typeof toDetail>;
