import type { KeyRing } from '../../crypto/key-ring.js';
import type { Database } from '../../db/driver.js';
import type { Tx } from '../../db/tx.js';
import { AppError } from '../../errors.js';
import type { Logger } from '../../logger.js';
import { insertAuditEvent } from '../audit/audit.store.js';
import { parseAuthConfig } from './auth-config.js';
import { openSecrets, sealSecrets } from './connector-secrets.js';
import { type ConnectorForUse, findConnectorForUse, saveTokens, updateConnector } from './connectors.store.js';
import { type OAuthClient, OAuthProviderError, type TokenSet } from './oauth-client.js';

/**
 * Access tokens for OAuth connectors, refreshed before they expire.
 *
 * Refreshing races three ways, and each has its guard:
 * - many calls in one process → single flight: one promise per connector;
 * - several instances → the credentials row is locked (`SELECT … FOR UPDATE`) for the
 *   whole refresh, and re-read under the lock: if another instance already refreshed,
 *   its token is used and no request is made;
 * - providers that rotate refresh tokens → the new refresh token is saved in the same
 *   statement as the new access token, before anyone can use either.
 * `invalid_grant` is declared only after re-reading the row, and marks the connector
 * `needs_reauth` (committed, so every instance sees it) with a message saying what to do.
 */
export interface TokenManagerDeps {
  database: Database;
  ring: KeyRing;
  oauth: OAuthClient;
  logger: Logger;
  clock?: () => Date;
  /** Refresh this long before expiry. Default 60 s. */
  refreshSkewMs?: number;
}

type Renewal = { kind: 'token'; accessToken: string } | { kind: 'needs_reauth'; message: string };

const reauthMessage = 'the provider refused the refresh token (invalid_grant); authorize the connector again';

export function createTokenManager(deps: TokenManagerDeps) {
  const clock = deps.clock ?? (() => new Date());
  const skewMs = deps.refreshSkewMs ?? 60_000;
  const inFlight = new Map<string, Promise<string>>();

  function fresh(accessToken: string | undefined, expiresAt: Date | null): accessToken is string {
    if (!accessToken) return false;
    return expiresAt === null || expiresAt.getTime() - skewMs > clock().getTime();
  }

  function assertUsable(connector: Pick<ConnectorForUse, 'auth_status' | 'status_message'>) {
    if (connector.auth_status === 'needs_reauth') {
      throw new AppError(
        'PRECONDITION_FAILED',
        `connector needs reauthorization: ${connector.status_message ?? reauthMessage}`,
      );
    }
    if (connector.auth_status === 'pending_authorization') {
      throw new AppError(
        'PRECONDITION_FAILED',
        'connector is not authorized yet; start the OAuth flow with connectors.oauth.start',
      );
    }
  }

  async function markNeedsReauth(trx: Tx, row: ConnectorForUse, message: string): Promise<Renewal> {
    await updateConnector(trx, row.id, { authStatus: 'needs_reauth', statusMessage: message });
    await insertAuditEvent(trx, {
      projectId: row.project_id,
      actor: { type: 'system', id: null },
      action: 'connector.needs_reauth',
      entityType: 'connector',
      entityId: row.id,
      metadata: { name: row.name, reason: 'invalid_grant' },
    });
    return { kind: 'needs_reauth', message };
  }

  async function store(trx: Tx, row: ConnectorForUse, secrets: Record<string, string>, tokens: TokenSet) {
    const next: Record<string, string> = { ...secrets, accessToken: tokens.accessToken };
    if (tokens.refreshToken) next.refreshToken = tokens.refreshToken;
    const sealed = sealSecrets(deps.ring, { projectId: row.project_id, connectorId: row.id }, next);
    const saved = await saveTokens(trx, row.id, row.credentials_version, {
      secretHints: sealed.hints,
      encryptedCredentials: sealed.record,
      encryptionKeyId: sealed.keyId,
      tokenExpiresAt: tokens.expiresAt,
    });
    if (!saved) throw new AppError('INTERNAL', 'connector credentials changed while the row was locked');
  }

  async function renewLocked(trx: Tx, connectorId: string): Promise<Renewal> {
    const row = await findConnectorForUse(trx, connectorId, { lock: true });
    if (!row) throw new AppError('NOT_FOUND', 'connector not found');
    assertUsable(row);
    const ref = { projectId: row.project_id, connectorId: row.id };
    const secrets = openSecrets(deps.ring, ref, row.encrypted_credentials);
    if (fresh(secrets.accessToken, row.token_expires_at)) return { kind: 'token', accessToken: secrets.accessToken };
    const config = parseAuthConfig(row.auth_config);
    const clientSecret = secrets.clientSecret ?? '';
    if (config.type === 'oauth2_client_credentials') {
      const tokens = await deps.oauth.clientCredentials(config, clientSecret);
      await store(trx, row, secrets, tokens);
      return { kind: 'token', accessToken: tokens.accessToken };
    }
    if (config.type !== 'oauth2_authorization_code') throw new AppError('INTERNAL', 'not an OAuth connector');
    const refreshToken = secrets.refreshToken;
    if (!refreshToken)
      return markNeedsReauth(trx, row, 'the provider issued no refresh token; authorize the connector again');
    try {
      const tokens = await deps.oauth.refresh(config, clientSecret, refreshToken);
      await store(trx, row, secrets, tokens);
      deps.logger.info({ connectorId: row.id, rotated: Boolean(tokens.refreshToken) }, 'refreshed connector token');
      return { kind: 'token', accessToken: tokens.accessToken };
    } catch (error) {
      if (!(error instanceof OAuthProviderError) || error.oauthError !== 'invalid_grant') throw error;
      // Re-read before declaring: a token stored by someone else since our read wins.
      const latest = await findConnectorForUse(trx, connectorId);
      if (latest && latest.credentials_version !== row.credentials_version) {
        const latestSecrets = openSecrets(deps.ring, ref, latest.encrypted_credentials);
        if (fresh(latestSecrets.accessToken, latest.token_expires_at)) {
          return { kind: 'token', accessToken: latestSecrets.accessToken };
        }
      }
      deps.logger.warn(
        { connectorId: row.id },
        'refresh token refused (invalid_grant); connector needs reauthorization',
      );
      return markNeedsReauth(trx, row, reauthMessage);
    }
  }

  async function renew(connectorId: string): Promise<string> {
    const outcome = await deps.database.db.transaction().execute((trx) => renewLocked(trx, connectorId));
    if (outcome.kind === 'needs_reauth')
      throw new AppError('PRECONDITION_FAILED', `connector needs reauthorization: ${outcome.message}`);
    return outcome.accessToken;
  }

  return {
    /**
     * A usable access token for an OAuth connector, given the snapshot the caller already
     * loaded and decrypted. Touches the database only when the snapshot's token is stale.
     */
    async accessToken(connector: ConnectorForUse, secrets: Record<string, string>): Promise<string> {
      assertUsable(connector);
      if (fresh(secrets.accessToken, connector.token_expires_at)) return secrets.accessToken;
      const pending = inFlight.get(connector.id);
      if (pending) return pending;
      const renewal = renew(connector.id).finally(() => inFlight.delete(connector.id));
      inFlight.set(connector.id, renewal);
      return renewal;
    },
  };
}

export type TokenManager = ReturnType<typeof createTokenManager>;
