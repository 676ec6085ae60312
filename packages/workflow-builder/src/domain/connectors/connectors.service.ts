import { randomUUID } from 'node:crypto';
import { AppError, fromDatabaseError } from '@wfb/core/errors.js';
import type { AuthUser } from '../../auth/jwt.js';
import type { KeyRing } from '../../crypto/key-ring.js';
import type { Tx } from '../../db/tx.js';
import { userActor } from '../audit/entity-audit.js';
import { adminRoles, readRoles, requireRole, writeRoles } from '../projects/project-access.js';
import {
  type AuthConfig,
  authConfigOfUpdate,
  mergeAuthUpdate,
  parseAuthConfig,
  splitAuth,
  userSecretFieldsOf,
  validateConnectorUrls,
  validateOAuthSettings,
} from './auth-config.js';
import { auditConnector as audit } from './connector-audit.js';
import type { CreateConnectorInput, UpdateConnectorInput } from './connector-input.js';
import { changedOrigins, secretsRequiredError } from './connector-origins.js';
import { openSecrets, sealSecrets } from './connector-secrets.js';
import { toDetail, toSummary } from './connector-view.js';
import * as store from './connectors.store.js';

/**
 * Connector CRUD. Everything runs in the caller's RLS transaction, so a failed update
 * rolls back to the previous credentials, and each change writes its audit row with it.
 * Audit metadata names fields that changed, never values.
 */
export interface ConnectorServiceDeps {
  ring: KeyRing;
  /** Plain-http endpoints are accepted only outside production. */
  allowInsecureHttp: boolean;
}

const conflict = 'a connector with that name already exists in this project';

export function createConnectorService(deps: ConnectorServiceDeps) {
  async function loadOwned(tx: Tx, user: AuthUser, connectorId: string, roles: typeof readRoles) {
    const row = await store.findConnector(tx, connectorId);
    if (!row) throw new AppError('NOT_FOUND', 'connector not found');
    const role = await requireRole(tx, row.project_id, user.id, roles);
    return { row, role };
  }

  async function detail(tx: Tx, connectorId: string) {
    const row = await store.findConnector(tx, connectorId);
    if (!row) throw new AppError('NOT_FOUND', 'connector not found');
    return toDetail(row, await store.findSettings(tx, connectorId));
  }

  return {
    async create(tx: Tx, user: AuthUser, input: CreateConnectorInput) {
      await requireRole(tx, input.projectId, user.id, writeRoles);
      const { config, secrets } = splitAuth(input.auth);
      validateConnectorUrls(input.baseUrl, config, deps);
      validateOAuthSettings(config);
      const id = randomUUID();
      const sealed = sealSecrets(deps.ring, { projectId: input.projectId, connectorId: id }, secrets);
      try {
        await store.insertConnector(
          tx,
          {
            id,
            projectId: input.projectId,
            name: input.name,
            type: config.type,
            baseUrl: input.baseUrl,
            enabled: input.enabled,
            authStatus: config.type === 'oauth2_authorization_code' ? 'pending_authorization' : 'ready',
            timeoutMs: input.timeoutMs,
            maxRetries: input.maxRetries,
            retryBackoffMs: input.retryBackoffMs,
            testPath: input.testPath,
            createdBy: user.id,
          },
          {
            authConfig: config,
            defaultHeaders: input.defaultHeaders,
            secretHints: sealed.hints,
            encryptedCredentials: sealed.record,
            encryptionKeyId: sealed.keyId,
            tokenExpiresAt: null,
            tokenIssuedAt: null,
          },
        );
      } catch (error) {
        throw fromDatabaseError(error, conflict);
      }
      await audit(tx, userActor(user), { id, project_id: input.projectId }, 'connector.created', {
        type: config.type,
        baseUrl: input.baseUrl,
        secretFields: Object.keys(secrets),
      });
      return detail(tx, id);
    },

    async list(tx: Tx, user: AuthUser, input: { projectId: string }) {
      await requireRole(tx, input.projectId, user.id, readRoles);
      return (await store.listConnectors(tx, input.projectId)).map(toSummary);
    },

    /** Viewers get the summary with `settings: null`; RLS hides the settings row from them too. */
    async get(tx: Tx, user: AuthUser, connectorId: string) {
      const { row, role } = await loadOwned(tx, user, connectorId, readRoles);
      if (!writeRoles.includes(role)) return toDetail(row, undefined);
      return toDetail(row, await store.findSettings(tx, connectorId));
    },

    /**
     * Moving a destination (base URL, token or authorization endpoint) to another origin
     * would send the stored secrets there: it is for owners and admins only, needs every
     * secret again in the same update, and drops the provider tokens.
     */
    async update(tx: Tx, user: AuthUser, input: UpdateConnectorInput) {
      const { row, role } = await loadOwned(tx, user, input.id, writeRoles);
      const changed = Object.keys(input).filter((field) => field !== 'id' && field !== 'auth');
      let secretsChanged: string[] = [];
      let tokensDropped = false;
      let originChanged: string[] = [];
      let type = row.type;
      if (input.auth !== undefined || input.defaultHeaders !== undefined || input.baseUrl !== undefined) {
        const current = await store.findConnectorForUse(tx, row.id, { lock: true });
        if (!current) throw new AppError('NOT_FOUND', 'connector not found');
        const ref = { projectId: row.project_id, connectorId: row.id };
        const currentSecrets = openSecrets(deps.ring, ref, current.encrypted_credentials);
        let config: AuthConfig = parseAuthConfig(current.auth_config);
        const baseUrl = input.baseUrl ?? row.base_url;
        const requested = input.auth === undefined ? config : authConfigOfUpdate(input.auth);
        validateConnectorUrls(baseUrl, requested, deps);
        if (input.auth !== undefined) validateOAuthSettings(requested);
        originChanged = changedOrigins({ baseUrl: row.base_url, config }, { baseUrl, config: requested });
        if (originChanged.length > 0) {
          if (!adminRoles.includes(role)) {
            throw new AppError(
              'FORBIDDEN',
              `only an owner or admin may move ${originChanged.join(', ')} to another origin`,
            );
          }
          if (input.auth === undefined) throw secretsRequiredError(userSecretFieldsOf(row.type), originChanged);
        }
        let secrets = currentSecrets;
        if (input.auth !== undefined) {
          const merged = mergeAuthUpdate({ config, secrets: currentSecrets }, input.auth, originChanged);
          ({ config, secrets, tokensDropped } = merged);
          secretsChanged = merged.changedSecrets;
          type = config.type;
          changed.push('auth');
        }
        if (input.auth !== undefined || input.defaultHeaders !== undefined) {
          const sealed = sealSecrets(deps.ring, ref, secrets);
          await store.replaceCredentials(tx, row.id, {
            authConfig: config,
            defaultHeaders: input.defaultHeaders ?? (current.default_headers as Record<string, string>),
            secretHints: sealed.hints,
            encryptedCredentials: sealed.record,
            encryptionKeyId: sealed.keyId,
            tokenExpiresAt: tokensDropped || type !== row.type ? null : current.token_expires_at,
            tokenIssuedAt: tokensDropped || type !== row.type ? null : current.token_issued_at,
          });
        }
      }
      const needsAuthorization =
        type === 'oauth2_authorization_code' && (tokensDropped || type !== row.type || originChanged.length > 0);
      try {
        await store.updateConnector(tx, row.id, {
          ...(input.name !== undefined && { name: input.name }),
          ...(input.baseUrl !== undefined && { baseUrl: input.baseUrl }),
          ...(input.timeoutMs !== undefined && { timeoutMs: input.timeoutMs }),
          ...(input.maxRetries !== undefined && { maxRetries: input.maxRetries }),
          ...(input.retryBackoffMs !== undefined && { retryBackoffMs: input.retryBackoffMs }),
          ...(input.testPath !== undefined && { testPath: input.testPath }),
          ...(type !== row.type && { type }),
          ...(needsAuthorization && { authStatus: 'pending_authorization', statusMessage: null }),
          ...(!needsAuthorization && type !== row.type && { authStatus: 'ready', statusMessage: null }),
        });
      } catch (error) {
        throw fromDatabaseError(error, conflict);
      }
      await audit(tx, userActor(user), row, 'connector.updated', {
        changed,
        secretsChanged,
        tokensDropped,
        originChanged,
      });
      return detail(tx, row.id);
    },

    async setEnabled(tx: Tx, user: AuthUser, input: { id: string; enabled: boolean }) {
      const { row } = await loadOwned(tx, user, input.id, writeRoles);
      if (row.enabled !== input.enabled) {
        await store.updateConnector(tx, row.id, { enabled: input.enabled });
        await audit(tx, userActor(user), row, input.enabled ? 'connector.enabled' : 'connector.disabled');
      }
      return detail(tx, row.id);
    },

    async delete(tx: Tx, user: AuthUser, connectorId: string) {
      const { row } = await loadOwned(tx, user, connectorId, adminRoles);
      if (!(await store.deleteConnector(tx, row.id))) throw new AppError('NOT_FOUND', 'connector not found');
      await audit(tx, userActor(user), row, 'connector.deleted', { type: row.type });
      return { id: row.id, deleted: true };
    },
  };
}

export type ConnectorService = ReturnType<typeof createConnectorService>;
