import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from '@wfb/core/db/driver.js';
import { AppError, isAppError } from '@wfb/core/errors.js';
import type { Logger } from '@wfb/core/logger.js';
import type { KeyRing } from '../../crypto/key-ring.js';
import { systemActor } from '../audit/entity-audit.js';
import { parseAuthConfig } from './auth-config.js';
import { auditConnector } from './connector-audit.js';
import { openSecrets, sealSecrets } from './connector-secrets.js';
import { type ConnectorForUse, findConnectorForUse, saveTokens, updateConnector } from './connectors.store.js';
import type { OAuthClient, TokenSet } from './oauth-client.js';
import { OAuthProviderError } from './oauth-failure.js';
import { claimRefreshLease, type RefreshLease, releaseRefreshLease } from './token-lease.store.js';

/**
 * Access tokens for OAuth connectors, refreshed before they expire.
 *
 * No transaction or row lock is held while the provider is called (up to the OAuth
 * client's 15 s timeout): on PGlite that would stall every other query, on Postgres pin a
 * pool connection. Refreshing still races three ways, and each has its guard:
 * - many calls in one process → single flight: one promise per connector;
 * - several instances → a refresh lease: one short UPDATE claims it only if it is free and
 *   the row is still the version read; the holder calls the provider with nothing held,
 *   stores the result with the version check, then gives the lease back. The others wait
 *   and re-read until the new token is there (or the lease is free again);
 * - providers that rotate refresh tokens → the new refresh token is saved in the same
 *   statement as the new access token. If the row changed during the call (key rotation,
 *   an edit), the tokens are merged onto it only if it still holds the grant they came from.
 * `invalid_grant` is declared only after re-reading the row, and marks the connector
 * `needs_reauth` (committed, so every instance sees it) with a message saying what to do.
 */
export interface TokenManagerDeps {
  database: Database;
  ring: KeyRing;
  oauth: OAuthClient;
  logger: Logger;
  clock?: () => Date;
  /** Refresh at most this long before expiry (less for short-lived tokens, see refreshMarginMs). Default 60 s. */
  refreshSkewMs?: number;
  /** How long a claimed refresh may take before another instance may take over. Default 30 s (twice the OAuth timeout). */
  refreshLeaseMs?: number;
}

type Renewal = { kind: 'token'; accessToken: string } | { kind: 'reread' };

const reauthMessage = 'the provider refused the refresh token (invalid_grant); authorize the connector again';
const noRefreshTokenMessage = 'the provider issued no refresh token; authorize the connector again';
const maxPollMs = 250;

export function createTokenManager(deps: TokenManagerDeps) {
  const clock = deps.clock ?? (() => new Date());
  const skewMs = deps.refreshSkewMs ?? 60_000;
  const leaseMs = deps.refreshLeaseMs ?? 30_000;
  const db = deps.database.db;
  const inFlight = new Map<string, Promise<string>>();

  function fresh(
    accessToken: string | undefined,
    row: Pick<ConnectorForUse, 'token_expires_at' | 'token_issued_at'>,
  ): accessToken is string {
    if (!accessToken) return false;
    const expiresAt = row.token_expires_at;
    if (expiresAt === null) return true;
    return expiresAt.getTime() - refreshMarginMs(expiresAt, row.token_issued_at, skewMs) > clock().getTime();
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

  function open(row: ConnectorForUse): Record<string, string> {
    return openSecrets(deps.ring, { projectId: row.project_id, connectorId: row.id }, row.encrypted_credentials);
  }

  /** Marks needs_reauth unless the row changed since `row` was read; false means "re-read". */
  async function markNeedsReauth(row: ConnectorForUse, message: string): Promise<boolean> {
    return db.transaction().execute(async (trx) => {
      const current = await findConnectorForUse(trx, row.id, { lock: true });
      if (!current || current.credentials_version !== row.credentials_version) return false;
      await updateConnector(trx, row.id, { authStatus: 'needs_reauth', statusMessage: message });
      await auditConnector(trx, systemActor, row, 'connector.needs_reauth', {
        name: row.name,
        reason: 'invalid_grant',
      });
      return true;
    });
  }

  /**
   * Saves `tokens` over the row they were derived from, in one version-checked statement.
   * If the row changed meanwhile, retries on the newer version as long as it still holds
   * the same settings, client secret and refresh token; otherwise the tokens are not stored
   * (they serve only the call in progress, which was made with the old settings).
   */
  async function store(row: ConnectorForUse, used: Record<string, string>, tokens: TokenSet): Promise<void> {
    let base = row;
    let baseSecrets = used;
    for (let tries = 0; tries < 3; tries += 1) {
      const next: Record<string, string> = { ...baseSecrets, accessToken: tokens.accessToken };
      if (tokens.refreshToken) next.refreshToken = tokens.refreshToken;
      const sealed = sealSecrets(deps.ring, { projectId: row.project_id, connectorId: row.id }, next);
      const saved = await saveTokens(db, row.id, base.credentials_version, {
        secretHints: sealed.hints,
        encryptedCredentials: sealed.record,
        encryptionKeyId: sealed.keyId,
        tokenExpiresAt: tokens.expiresAt,
        tokenIssuedAt: tokens.issuedAt,
      });
      if (saved) return;
      const latest = await findConnectorForUse(db, row.id);
      if (!latest) return;
      const latestSecrets = open(latest);
      const sameGrant =
        JSON.stringify(latest.auth_config) === JSON.stringify(row.auth_config) &&
        latestSecrets.clientSecret === used.clientSecret &&
        latestSecrets.refreshToken === used.refreshToken;
      if (!sameGrant) break;
      base = latest;
      baseSecrets = latestSecrets;
    }
    deps.logger.warn({ connectorId: row.id }, 'connector settings changed during a token refresh; token not stored');
  }

  /**
   * A token request, with one warn line if it fails: the reason and the provider's status,
   * never the error itself, whose cause may hold a response body with tokens in it.
   */
  async function request(row: ConnectorForUse, grant: string, run: () => Promise<TokenSet>): Promise<TokenSet> {
    try {
      return await run();
    } catch (error) {
      const reason =
        error instanceof OAuthProviderError ? error.reason : isAppError(error) ? error.code : 'unexpected_error';
      const providerStatus = error instanceof OAuthProviderError ? error.providerStatus : undefined;
      deps.logger.warn({ connectorId: row.id, grant, reason, providerStatus }, 'connector token request failed');
      throw error;
    }
  }

  /** The refresh itself, by the lease holder, with no transaction open. */
  async function refreshClaimed(row: ConnectorForUse, secrets: Record<string, string>): Promise<Renewal> {
    const config = parseAuthConfig(row.auth_config);
    const clientSecret = secrets.clientSecret ?? '';
    if (config.type === 'oauth2_client_credentials') {
      const tokens = await request(row, 'client_credentials', () => deps.oauth.clientCredentials(config, clientSecret));
      await store(row, secrets, tokens);
      return { kind: 'token', accessToken: tokens.accessToken };
    }
    if (config.type !== 'oauth2_authorization_code') throw new AppError('INTERNAL', 'not an OAuth connector');
    const refreshToken = secrets.refreshToken;
    if (!refreshToken) return declareNeedsReauth(row, noRefreshTokenMessage);
    let tokens: TokenSet;
    try {
      tokens = await request(row, 'refresh_token', () => deps.oauth.refresh(config, clientSecret, refreshToken));
    } catch (error) {
      if (!(error instanceof OAuthProviderError) || error.reason !== 'invalid_grant') throw error;
      // Re-read before declaring: a token stored by someone else since our read wins.
      const latest = await findConnectorForUse(db, row.id);
      if (latest && latest.credentials_version !== row.credentials_version) return { kind: 'reread' };
      return declareNeedsReauth(row, reauthMessage);
    }
    await store(row, secrets, tokens);
    deps.logger.info({ connectorId: row.id, rotated: Boolean(tokens.refreshToken) }, 'refreshed connector token');
    return { kind: 'token', accessToken: tokens.accessToken };
  }

  async function declareNeedsReauth(row: ConnectorForUse, message: string): Promise<Renewal> {
    if (!(await markNeedsReauth(row, message))) return { kind: 'reread' };
    throw new AppError('PRECONDITION_FAILED', `connector needs reauthorization: ${message}`);
  }

  async function holdLease(row: ConnectorForUse, secrets: Record<string, string>, lease: RefreshLease) {
    try {
      return await refreshClaimed(row, secrets);
    } finally {
      // Guarded by the lease's own timestamp: never frees a lease someone else took over.
      await releaseRefreshLease(db, row.id, lease).catch((error: unknown) =>
        deps.logger.warn({ err: error, connectorId: row.id }, 'could not release the token refresh lease'),
      );
    }
  }

  /** Re-reads until a fresh token is stored, claiming the lease whenever it is free. */
  async function renew(connectorId: string): Promise<string> {
    const giveUpAt = Date.now() + 2 * leaseMs;
    for (let attempt = 0; ; attempt += 1) {
      const row = await findConnectorForUse(db, connectorId);
      if (!row) throw new AppError('NOT_FOUND', 'connector not found');
      assertUsable(row);
      const secrets = open(row);
      if (fresh(secrets.accessToken, row)) return secrets.accessToken;
      const lease = await claimRefreshLease(db, row.id, row.credentials_version, leaseMs);
      if (lease !== undefined) {
        const renewal = await holdLease(row, secrets, lease);
        if (renewal.kind === 'token') return renewal.accessToken;
      }
      if (Date.now() >= giveUpAt) {
        throw new AppError('UNAVAILABLE', 'the connector token is being refreshed elsewhere; retry shortly', {
          retryAfterSeconds: 1,
        });
      }
      if (lease === undefined) await sleep(Math.min(maxPollMs, 10 * 2 ** Math.min(attempt, 5)));
    }
  }

  return {
    /**
     * A usable access token for an OAuth connector, given the snapshot the caller already
     * loaded and decrypted. Touches the database only when the snapshot's token is stale.
     */
    async accessToken(connector: ConnectorForUse, secrets: Record<string, string>): Promise<string> {
      assertUsable(connector);
      if (fresh(secrets.accessToken, connector)) return secrets.accessToken;
      const pending = inFlight.get(connector.id);
      if (pending) return pending;
      const renewal = renew(connector.id).finally(() => inFlight.delete(connector.id));
      inFlight.set(connector.id, renewal);
      return renewal;
    },
  };
}

export type TokenManager = ReturnType<typeof createTokenManager>;

const minMarginMs = 5_000;

/**
 * How long before expiry a token counts as stale: a tenth of its lifetime, at least 5 s,
 * at most `maxMs`, and never more than half the lifetime. A fixed margin as long as the
 * lifetime would refresh on every call (and rotate the refresh token each time); a
 * margin too short risks sending a token that expires on its way. An unknown lifetime
 * (a token stored before issue times were) gets `maxMs`, the old behaviour.
 */
export function refreshMarginMs(expiresAt: Date, issuedAt: Date | null, maxMs: number): number {
  if (issuedAt === null) return maxMs;
  const lifetimeMs = expiresAt.getTime() - issuedAt.getTime();
  return Math.max(0, Math.min(maxMs, lifetimeMs / 2, Math.max(minMarginMs, lifetimeMs / 10)));
}
