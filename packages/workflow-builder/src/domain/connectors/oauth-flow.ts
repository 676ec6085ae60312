import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Database } from '@wfb/core/db/driver.js';
import { AppError, isAppError } from '@wfb/core/errors.js';
import type { Logger } from '@wfb/core/logger.js';
import { generateRandomCodeVerifier } from 'oauth4webapi';
import type { AuthUser } from '../../auth/jwt.js';
import { decryptField, parseEncryptedRecord } from '../../crypto/envelope.js';
import type { KeyRing } from '../../crypto/key-ring.js';
import { type Tx, withUserTransaction } from '../../db/tx.js';
import { systemActor, userActor } from '../audit/entity-audit.js';
import { requireRole, writeRoles } from '../projects/project-access.js';
import { parseAuthConfig } from './auth-config.js';
import { auditConnector } from './connector-audit.js';
import { openSecrets, sealSecrets } from './connector-secrets.js';
import { findConnector, findConnectorForUse, findSettings, saveTokens, updateConnector } from './connectors.store.js';
import type { OAuthClient, TokenSet } from './oauth-client.js';
import { OAuthProviderError, oauthErrorCode } from './oauth-failure.js';
import { consumeOauthState, deleteStaleOauthStates, findOauthState, insertOauthState } from './oauth-states.store.js';

/**
 * The authorization-code flow. `start` stores a one-time state (only its hash) bound to
 * project, connector and user, with the PKCE verifier encrypted like any credential.
 * `callback` consumes the state in one statement (a replay finds it used), exchanges the
 * code, and stores the tokens as the user who started the flow, under RLS, so a user who
 * lost access meanwhile cannot complete it. Every failure stores nothing and returns a
 * stable error code for the UI; none of them echoes a token, code or secret.
 */
export const oauthStateTtlMs = 10 * 60 * 1000;

/** `reason` says more than `code` where there is more to say, e.g. `token_endpoint_status_500`. */
export type OAuthCallbackResult =
  | { status: 'success'; connectorId: string }
  | { status: 'error'; code: OAuthCallbackErrorCode; connectorId: string | null; reason?: string };

export type OAuthCallbackErrorCode =
  | 'invalid_request'
  | 'unknown_state'
  | 'state_already_used'
  | 'state_expired'
  | 'access_denied'
  | 'authorization_error'
  | 'token_exchange_failed'
  | 'connector_unavailable';

export interface OAuthFlowDeps {
  database: Database;
  ring: KeyRing;
  oauth: OAuthClient;
  logger: Logger;
  redirectUri: string;
  clock?: () => Date;
}

function hashState(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

function verifierField(stateId: string): string {
  return `pkce.${stateId}`;
}

export function createOAuthFlow(deps: OAuthFlowDeps) {
  const clock = deps.clock ?? (() => new Date());

  /** Unknown or replayed states have no connector to audit against: the log line is all there is. */
  function refuse(code: OAuthCallbackErrorCode, connectorId: string | null): OAuthCallbackResult {
    deps.logger.warn({ connectorId, outcome: code }, 'oauth callback failed');
    return { status: 'error', code, connectorId };
  }

  async function auditFailure(
    state: { project_id: string; connector_id: string; user_id: string },
    reason: string,
    status: number | undefined,
  ) {
    // The callback is unauthenticated (anyone may replay a redirect): the system observed
    // the failure, on behalf of the user who started the flow.
    await auditConnector(
      deps.database.db,
      systemActor,
      { id: state.connector_id, project_id: state.project_id },
      'connector.oauth_failed',
      { reason, userId: state.user_id, ...(status !== undefined && { providerStatus: status }) },
    ).catch((error: unknown) => deps.logger.warn({ err: error }, 'could not audit failed oauth callback'));
  }

  async function storeTokens(tx: Tx, connectorId: string, userId: string, tokens: TokenSet) {
    const row = await findConnectorForUse(tx, connectorId, { lock: true });
    if (!row) throw new AppError('NOT_FOUND', 'connector not found');
    await requireRole(tx, row.project_id, userId, writeRoles);
    const ref = { projectId: row.project_id, connectorId: row.id };
    const secrets: Record<string, string> = {
      clientSecret: openSecrets(deps.ring, ref, row.encrypted_credentials).clientSecret ?? '',
      accessToken: tokens.accessToken,
    };
    if (tokens.refreshToken) secrets.refreshToken = tokens.refreshToken;
    const sealed = sealSecrets(deps.ring, ref, secrets);
    const saved = await saveTokens(tx, row.id, row.credentials_version, {
      secretHints: sealed.hints,
      encryptedCredentials: sealed.record,
      encryptionKeyId: sealed.keyId,
      tokenExpiresAt: tokens.expiresAt,
      tokenIssuedAt: tokens.issuedAt,
    });
    if (!saved) throw new AppError('CONFLICT', 'connector credentials changed during authorization');
    await updateConnector(tx, row.id, { authStatus: 'ready', statusMessage: null });
    await auditConnector(tx, { type: 'user', id: userId }, row, 'connector.oauth_authorized', {
      name: row.name,
      refreshToken: tokens.refreshToken !== undefined,
      expiresAt: tokens.expiresAt,
    });
  }

  return {
    /**
     * Checks in one transaction, builds the provider URL with none open (with discovery it
     * may fetch the issuer's metadata, which can take seconds), stores the state in a second.
     */
    async start(user: AuthUser, connectorId: string) {
      const { row, config } = await withUserTransaction(deps.database.db, user.claims, async (tx) => {
        const row = await findConnector(tx, connectorId);
        if (!row) throw new AppError('NOT_FOUND', 'connector not found');
        await requireRole(tx, row.project_id, user.id, writeRoles);
        const settings = await findSettings(tx, connectorId);
        const config = settings ? parseAuthConfig(settings.auth_config) : undefined;
        if (config?.type !== 'oauth2_authorization_code') {
          throw new AppError('BAD_REQUEST', 'only oauth2_authorization_code connectors use the authorization flow', {
            details: { field: 'id' },
          });
        }
        if (!row.enabled) throw new AppError('PRECONDITION_FAILED', 'connector is disabled');
        return { row, config };
      });
      const state = randomBytes(32).toString('base64url');
      const codeVerifier = generateRandomCodeVerifier();
      let url: URL;
      try {
        url = await deps.oauth.authorizationUrl(config, { redirectUri: deps.redirectUri, state, codeVerifier });
      } catch (error) {
        if (error instanceof OAuthProviderError) {
          deps.logger.warn(
            { connectorId, reason: error.reason, providerStatus: error.providerStatus },
            'oauth start failed',
          );
        }
        throw error;
      }
      const stateId = randomUUID();
      const sealed = sealSecrets(
        deps.ring,
        { projectId: row.project_id, connectorId: row.id },
        { [verifierField(stateId)]: codeVerifier },
      );
      const expiresAt = new Date(clock().getTime() + oauthStateTtlMs);
      await withUserTransaction(deps.database.db, user.claims, async (tx) => {
        await insertOauthState(tx, {
          id: stateId,
          stateHash: hashState(state),
          projectId: row.project_id,
          connectorId: row.id,
          userId: user.id,
          redirectUri: deps.redirectUri,
          encryptedVerifier: sealed.record,
          encryptionKeyId: sealed.keyId,
          expiresAt,
        });
        await auditConnector(tx, userActor(user), row, 'connector.oauth_started', {
          name: row.name,
          scopes: config.scopes,
        });
      });
      return { authorizationUrl: url.href, expiresAt };
    },

    async callback(parameters: URLSearchParams): Promise<OAuthCallbackResult> {
      const stateParam = parameters.get('state');
      if (!stateParam || stateParam.length > 512) return refuse('invalid_request', null);
      const stateHash = hashState(stateParam);
      const state = await consumeOauthState(deps.database.db, stateHash);
      if (!state) {
        const known = await findOauthState(deps.database.db, stateHash);
        return refuse(known ? 'state_already_used' : 'unknown_state', known?.connector_id ?? null);
      }
      const connectorId = state.connector_id;
      /**
       * One warn line, one audit row and the result, all with the same reason. `stage`
       * prefixes the audit reason (`token:invalid_grant`), as audit readers expect.
       */
      const fail = async (
        code: OAuthCallbackErrorCode,
        cause: { stage?: 'provider' | 'token' | 'discovery'; reason: string; status?: number | undefined } = {
          reason: code,
        },
      ): Promise<OAuthCallbackResult> => {
        deps.logger.warn(
          { connectorId, outcome: code, reason: cause.reason, providerStatus: cause.status },
          'oauth callback failed',
        );
        await auditFailure(state, cause.stage ? `${cause.stage}:${cause.reason}` : cause.reason, cause.status);
        return { status: 'error', code, connectorId, ...(cause.reason !== code && { reason: cause.reason }) };
      };
      await deleteStaleOauthStates(deps.database.db, connectorId, new Date(clock().getTime() - oauthStateTtlMs));
      if (state.expires_at.getTime() <= clock().getTime()) return fail('state_expired');
      const providerError = parameters.get('error');
      if (providerError)
        return fail(providerError === 'access_denied' ? 'access_denied' : 'authorization_error', {
          stage: 'provider',
          reason: oauthErrorCode(providerError),
        });
      const connector = await findConnectorForUse(deps.database.db, connectorId);
      if (!connector || connector.project_id !== state.project_id || !connector.enabled)
        return fail('connector_unavailable');
      const config = parseAuthConfig(connector.auth_config);
      if (config.type !== 'oauth2_authorization_code') return fail('connector_unavailable');
      const ref = { projectId: state.project_id, connectorId };
      let tokens: TokenSet;
      try {
        const codeVerifier = decryptField(
          deps.ring,
          ref,
          parseEncryptedRecord(state.encrypted_verifier),
          verifierField(state.id),
        );
        const secrets = openSecrets(deps.ring, ref, connector.encrypted_credentials);
        tokens = await deps.oauth.exchangeCode(config, secrets.clientSecret ?? '', {
          parameters,
          expectedState: stateParam,
          redirectUri: state.redirect_uri,
          codeVerifier,
        });
      } catch (error) {
        if (error instanceof OAuthProviderError) {
          const stage = error.step === 'discovery' ? 'discovery' : 'token';
          return fail('token_exchange_failed', { stage, reason: error.reason, status: error.providerStatus });
        }
        if (isAppError(error)) return fail('token_exchange_failed', { reason: error.code });
        throw error;
      }
      try {
        await withUserTransaction(deps.database.db, { sub: state.user_id, role: 'authenticated' }, (tx) =>
          storeTokens(tx, connectorId, state.user_id, tokens),
        );
      } catch (error) {
        if (!isAppError(error)) throw error;
        return fail('connector_unavailable', { reason: error.code });
      }
      return { status: 'success', connectorId };
    },
  };
}

export type OAuthFlow = ReturnType<typeof createOAuthFlow>;
