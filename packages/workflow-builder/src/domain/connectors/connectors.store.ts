import type { ConnectorAuthStatus, ConnectorType } from '@wfb/core/db/schema.connectors.js';
import { sql } from 'kysely';
import type { Queryable } from '../../db/tx.js';

/**
 * Connector queries. Three column sets: what any member may list, the settings only
 * writers may read, and the ciphertext, which only the `…ForUse` queries select: the
 * ones that feed decryption. Lists never touch ciphertext.
 */
export const connectorColumns = [
  'connectors.id',
  'connectors.project_id',
  'connectors.name',
  'connectors.type',
  'connectors.base_url',
  'connectors.enabled',
  'connectors.auth_status',
  'connectors.status_message',
  'connectors.timeout_ms',
  'connectors.max_retries',
  'connectors.retry_backoff_ms',
  'connectors.test_path',
  'connectors.last_tested_at',
  'connectors.last_test_status',
  'connectors.last_test_latency_ms',
  'connectors.last_test_error',
  'connectors.last_used_at',
  'connectors.created_by',
  'connectors.created_at',
  'connectors.updated_at',
] as const;

const settingsColumns = [
  'connector_credentials.auth_config',
  'connector_credentials.default_headers',
  'connector_credentials.secret_hints',
  'connector_credentials.token_expires_at',
  'connector_credentials.token_issued_at',
] as const;

const secretColumns = [
  'connector_credentials.encrypted_credentials',
  'connector_credentials.encryption_key_id',
  'connector_credentials.credentials_version',
] as const;

export interface NewConnector {
  id: string;
  projectId: string;
  name: string;
  type: ConnectorType;
  baseUrl: string;
  enabled: boolean;
  authStatus: ConnectorAuthStatus;
  timeoutMs: number;
  maxRetries: number;
  retryBackoffMs: number;
  testPath: string;
  createdBy: string;
}

export interface CredentialsWrite {
  authConfig: unknown;
  defaultHeaders: Record<string, string>;
  secretHints: unknown;
  encryptedCredentials: unknown;
  encryptionKeyId: string;
  tokenExpiresAt: Date | null;
  tokenIssuedAt: Date | null;
}

export async function insertConnector(db: Queryable, connector: NewConnector, credentials: CredentialsWrite) {
  await db
    .insertInto('connectors')
    .values({
      id: connector.id,
      project_id: connector.projectId,
      name: connector.name,
      type: connector.type,
      base_url: connector.baseUrl,
      enabled: connector.enabled,
      auth_status: connector.authStatus,
      timeout_ms: connector.timeoutMs,
      max_retries: connector.maxRetries,
      retry_backoff_ms: connector.retryBackoffMs,
      test_path: connector.testPath,
      created_by: connector.createdBy,
    })
    .execute();
  await db
    .insertInto('connector_credentials')
    .values({ connector_id: connector.id, project_id: connector.projectId, ...credentialValues(credentials) })
    .execute();
}

function credentialValues(credentials: CredentialsWrite) {
  return {
    auth_config: JSON.stringify(credentials.authConfig),
    default_headers: JSON.stringify(credentials.defaultHeaders),
    secret_hints: JSON.stringify(credentials.secretHints),
    encrypted_credentials: JSON.stringify(credentials.encryptedCredentials),
    encryption_key_id: credentials.encryptionKeyId,
    token_expires_at: credentials.tokenExpiresAt,
    token_issued_at: credentials.tokenIssuedAt,
  };
}

export async function findConnector(db: Queryable, connectorId: string) {
  return db.selectFrom('connectors').select(connectorColumns).where('id', '=', connectorId).executeTakeFirst();
}

export async function listConnectors(db: Queryable, projectId: string) {
  return db
    .selectFrom('connectors')
    .select(connectorColumns)
    .where('project_id', '=', projectId)
    .orderBy('name', 'asc')
    .execute();
}

/** Settings without ciphertext; RLS hides the row from viewers. */
export async function findSettings(db: Queryable, connectorId: string) {
  return db
    .selectFrom('connector_credentials')
    .select(settingsColumns)
    .where('connector_id', '=', connectorId)
    .executeTakeFirst();
}

/**
 * Everything needed to make an authorized call. `lock` takes the row lock that
 * serialises token refreshes across instances (`SELECT … FOR UPDATE`).
 */
export async function findConnectorForUse(db: Queryable, connectorId: string, options: { lock?: boolean } = {}) {
  let query = db
    .selectFrom('connectors')
    .innerJoin('connector_credentials', 'connector_credentials.connector_id', 'connectors.id')
    .select([...connectorColumns, ...settingsColumns, ...secretColumns])
    .where('connectors.id', '=', connectorId);
  if (options.lock) query = query.forUpdate();
  return query.executeTakeFirst();
}

export type ConnectorForUse = NonNullable<Awaited<ReturnType<typeof findConnectorForUse>>>;

export async function updateConnector(
  db: Queryable,
  connectorId: string,
  changes: Partial<{
    name: string;
    type: ConnectorType;
    baseUrl: string;
    enabled: boolean;
    authStatus: ConnectorAuthStatus;
    statusMessage: string | null;
    timeoutMs: number;
    maxRetries: number;
    retryBackoffMs: number;
    testPath: string;
  }>,
) {
  return db
    .updateTable('connectors')
    .set({
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.type !== undefined && { type: changes.type }),
      ...(changes.baseUrl !== undefined && { base_url: changes.baseUrl }),
      ...(changes.enabled !== undefined && { enabled: changes.enabled }),
      ...(changes.authStatus !== undefined && { auth_status: changes.authStatus }),
      ...(changes.statusMessage !== undefined && { status_message: changes.statusMessage }),
      ...(changes.timeoutMs !== undefined && { timeout_ms: changes.timeoutMs }),
      ...(changes.maxRetries !== undefined && { max_retries: changes.maxRetries }),
      ...(changes.retryBackoffMs !== undefined && { retry_backoff_ms: changes.retryBackoffMs }),
      ...(changes.testPath !== undefined && { test_path: changes.testPath }),
      updated_at: sql<Date>`now()`,
    })
    .where('id', '=', connectorId)
    .returning(['id'])
    .executeTakeFirst();
}

/** Replaces settings and ciphertext together and bumps the version. */
export async function replaceCredentials(db: Queryable, connectorId: string, credentials: CredentialsWrite) {
  return db
    .updateTable('connector_credentials')
    .set({
      ...credentialValues(credentials),
      credentials_version: sql<number>`credentials_version + 1`,
      updated_at: sql<Date>`now()`,
    })
    .where('connector_id', '=', connectorId)
    .returning(['connector_id', 'credentials_version'])
    .executeTakeFirst();
}

/** Stores new provider tokens only if the ciphertext is still the version they were derived from. */
export async function saveTokens(
  db: Queryable,
  connectorId: string,
  expectedVersion: number,
  tokens: {
    secretHints: unknown;
    encryptedCredentials: unknown;
    encryptionKeyId: string;
    tokenExpiresAt: Date | null;
    tokenIssuedAt: Date;
  },
) {
  const result = await db
    .updateTable('connector_credentials')
    .set({
      secret_hints: JSON.stringify(tokens.secretHints),
      encrypted_credentials: JSON.stringify(tokens.encryptedCredentials),
      encryption_key_id: tokens.encryptionKeyId,
      token_expires_at: tokens.tokenExpiresAt,
      token_issued_at: tokens.tokenIssuedAt,
      credentials_version: sql<number>`credentials_version + 1`,
      updated_at: sql<Date>`now()`,
    })
    .where('connector_id', '=', connectorId)
    .where('credentials_version', '=', expectedVersion)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteConnector(db: Queryable, connectorId: string) {
  const result = await db.deleteFrom('connectors').where('id', '=', connectorId).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

export async function recordTestResult(
  db: Queryable,
  connectorId: string,
  result: { status: number | null; latencyMs: number; error: string | null },
) {
  await db
    .updateTable('connectors')
    .set({
      last_tested_at: sql<Date>`now()`,
      last_test_status: result.status,
      last_test_latency_ms: result.latencyMs,
      last_test_error: result.error?.slice(0, 500) ?? null,
      last_used_at: sql<Date>`now()`,
    })
    .where('id', '=', connectorId)
    .execute();
}

/** One statement per batch; never moves a timestamp backwards. */
export async function recordConnectorsUsed(db: Queryable, usage: ReadonlyMap<string, Date>): Promise<void> {
  if (usage.size === 0) return;
  const rows = [...usage].map(([id, at]) => sql`(${id}::uuid, ${at.toISOString()}::timestamptz)`);
  await sql`update public.connectors as c set last_used_at = v.used_at
    from (values ${sql.join(rows)}) as v(id, used_at)
    where c.id = v.id and (c.last_used_at is null or c.last_used_at < v.used_at)`.execute(db);
}

/** A connector by its name within one project (names are unique per project): how workflows name them. */
export async function findConnectorByName(db: Queryable, projectId: string, name: string) {
  return db
    .selectFrom('connectors')
    .select(['id', 'name', 'enabled', 'auth_status', 'timeout_ms', 'max_retries', 'retry_backoff_ms'])
    .where('project_id', '=', projectId)
    .where('name', '=', name)
    .executeTakeFirst();
}
