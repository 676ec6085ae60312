import { sql } from 'kysely';
import { expect } from 'vitest';
import { callerFor, type TestApp } from '../../../../test/test-app.js';
import type { KeyRing } from '../../../crypto/key-ring.js';
import { openSecrets } from '../connector-secrets.js';
import type { TestAuthorizationServer } from './oauth-provider.js';

/**
 * Steps the OAuth suites repeat: make an authorization-code connector, run the browser
 * round trip (start → provider → our callback → result page), peek at what is stored
 * (decrypted with the test ring, so tests can check rotation), and age a token. Every
 * response and every token seen is collected for the suites' secret scans.
 */
export const redirectUri = 'http://localhost:3000/oauth/callback';
export const resultUrl = 'http://ui.test/oauth/result';

export function createOAuthHarness(context: {
  testApp: () => TestApp;
  provider: () => TestAuthorizationServer;
  projectId: () => string;
  owner: string;
  ring: KeyRing;
}) {
  const seenTokens = new Set<string>();
  const responses: unknown[] = [];
  const app = () => context.testApp();

  async function deliver(callback: URL) {
    const response = await app().app.server.inject({ method: 'GET', url: `/oauth/callback${callback.search}` });
    responses.push(response.body);
    expect(response.statusCode).toBe(303);
    const location = new URL(String(response.headers.location));
    expect(location.origin + location.pathname).toBe(resultUrl);
    return Object.fromEntries(location.searchParams);
  }

  return {
    seenTokens,
    responses,
    deliver,

    async createCodeConnector(name: string) {
      const provider = context.provider();
      const created = await callerFor(app(), context.owner).connectors.create({
        projectId: context.projectId(),
        name,
        baseUrl: `${provider.issuer}/api`,
        testPath: '/me',
        maxRetries: 0,
        auth: {
          type: 'oauth2_authorization_code',
          authorizationUrl: `${provider.issuer}/auth`,
          tokenUrl: `${provider.issuer}/token`,
          clientId: provider.clients.basic.clientId,
          clientSecret: provider.clients.basic.clientSecret,
          scopes: ['api:read'],
          extraAuthParams: { prompt: 'consent' },
        },
      });
      responses.push(created);
      return created;
    },

    async runFlow(connectorId: string, tamper?: (callback: URL) => void) {
      const started = await callerFor(app(), context.owner).connectors.oauth.start({ id: connectorId });
      responses.push(started);
      const callback = await context.provider().authorize(started.authorizationUrl, redirectUri);
      tamper?.(callback);
      return { callback, result: await deliver(callback) };
    },

    async storedSecrets(connectorId: string) {
      const row = await app()
        .database.db.selectFrom('connector_credentials')
        .select(['encrypted_credentials', 'token_expires_at'])
        .where('connector_id', '=', connectorId)
        .executeTakeFirstOrThrow();
      const secrets = openSecrets(
        context.ring,
        { projectId: context.projectId(), connectorId },
        row.encrypted_credentials,
      );
      for (const field of ['accessToken', 'refreshToken'] as const) {
        const value = secrets[field];
        if (value) seenTokens.add(value);
      }
      return {
        accessToken: secrets.accessToken,
        refreshToken: secrets.refreshToken,
        fields: Object.keys(secrets).sort(),
        expiresAt: row.token_expires_at,
      };
    },

    async expireToken(connectorId: string) {
      await sql`update connector_credentials set token_expires_at = now() - interval '1 minute'
        where connector_id = ${connectorId}`.execute(app().database.db);
    },
  };
}
