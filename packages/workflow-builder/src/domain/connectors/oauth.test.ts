import { randomUUID } from 'node:crypto';
import { createLogger } from '@wfb/core/logger.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../../test/test-app.js';
import { createKeyRing } from '../../crypto/key-ring.js';
import { parseEnv } from '../../env.js';
import { connectorSettingsOf } from '../../settings.js';
import { createConnectorModule } from './connectors.module.js';
import { connectorEnv, dumpPublicTables, expectNoSecrets, oldKey } from './testing/fixtures.js';
import { createOAuthHarness, redirectUri, resultUrl } from './testing/oauth-harness.js';
import { startAuthorizationServer, type TestAuthorizationServer } from './testing/oauth-provider.js';

describe.each(driverKinds)('OAuth connectors against oidc-provider on %s (database)', (kind) => {
  let testApp: TestApp;
  let provider: TestAuthorizationServer;
  const owner = randomUUID();
  let projectId: string;
  const ring = createKeyRing(oldKey);
  const env = connectorEnv({ OAUTH_RESULT_URL: resultUrl });

  beforeAll(async () => {
    provider = await startAuthorizationServer({ redirectUris: [redirectUri] });
    testApp = await createTestApp(kind, env);
    projectId = (await callerFor(testApp, owner).projects.create({ slug: `oauth-${kind}`, name: 'OAuth' })).id;
  });
  afterAll(async () => {
    await testApp.close();
    await provider.close();
  });

  const refreshes = () => provider.tokenRequests.get('refresh_token') ?? 0;
  const { seenTokens, responses, deliver, createCodeConnector, runFlow, storedSecrets, expireToken } =
    createOAuthHarness({
      testApp: () => testApp,
      provider: () => provider,
      projectId: () => projectId,
      owner,
      ring,
    });

  it('runs the authorization-code + PKCE flow and calls the API with the token', async () => {
    const connector = await createCodeConnector('code-flow');
    const { callback, result } = await runFlow(connector.id);
    expect(result).toEqual({ status: 'success', connectorId: connector.id });
    const started = new URL(
      (await callerFor(testApp, owner).connectors.oauth.start({ id: connector.id })).authorizationUrl,
    );
    expect(started.searchParams.get('code_challenge_method')).toBe('S256');
    expect(started.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
    const detail = await callerFor(testApp, owner).connectors.get({ id: connector.id });
    responses.push(detail);
    expect(detail.authStatus).toBe('ready');
    expect(detail.settings?.secrets).toMatchObject({
      clientSecret: { set: true },
      accessToken: { set: true, hint: null },
      refreshToken: { set: true, hint: null },
    });
    const tested = await callerFor(testApp, owner).connectors.test({ id: connector.id });
    expect(tested).toMatchObject({ ok: true, status: 200 });
    expect(provider.apiRequests.at(-1)).toMatchObject({ path: '/api/me', active: true });
    await storedSecrets(connector.id);
    expect(await deliver(callback)).toEqual({
      status: 'error',
      connectorId: connector.id,
      error: 'state_already_used',
    });
    const unknown = new URL(callback);
    unknown.searchParams.set('state', 'not-a-state-we-issued');
    expect(await deliver(unknown)).toEqual({ status: 'error', error: 'unknown_state' });
    const actions = (await callerFor(testApp, owner).audit.list({ projectId, entityType: 'connector' })).events.map(
      (event) => event.action,
    );
    expect(actions).toEqual(
      expect.arrayContaining(['connector.oauth_started', 'connector.oauth_authorized', 'connector.tested']),
    );
  });

  it('stores nothing when consent is denied, the state expired, or the token endpoint refuses', async () => {
    const connector = await createCodeConnector('code-failures');
    provider.setUserDecision('deny');
    try {
      expect((await runFlow(connector.id)).result).toEqual({
        status: 'error',
        connectorId: connector.id,
        error: 'access_denied',
      });
    } finally {
      provider.setUserDecision('approve');
    }
    const started = await callerFor(testApp, owner).connectors.oauth.start({ id: connector.id });
    const callback = await provider.authorize(started.authorizationUrl, redirectUri);
    await sql`update oauth_states set expires_at = now() - interval '1 second' where connector_id = ${connector.id} and consumed_at is null`.execute(
      testApp.database.db,
    );
    expect(await deliver(callback)).toEqual({ status: 'error', connectorId: connector.id, error: 'state_expired' });
    const tampered = await runFlow(connector.id, (url) => url.searchParams.set('code', 'forged-authorization-code'));
    expect(tampered.result).toEqual({
      status: 'error',
      connectorId: connector.id,
      error: 'token_exchange_failed',
      reason: 'invalid_grant',
    });
    const stored = await storedSecrets(connector.id);
    expect(stored.fields).toEqual(['clientSecret']);
    const detail = await callerFor(testApp, owner).connectors.get({ id: connector.id });
    expect(detail.authStatus).toBe('pending_authorization');
    expect(await callerFor(testApp, owner).connectors.test({ id: connector.id })).toMatchObject({
      ok: false,
      error: { code: 'PRECONDITION_FAILED' },
    });
    const failures = (
      await callerFor(testApp, owner).audit.list({ projectId, entityType: 'connector', limit: 200 })
    ).events
      .filter((event) => event.action === 'connector.oauth_failed' && event.entity_id === connector.id)
      .map((event) => (event.metadata as { reason: string }).reason);
    expect(failures).toEqual(
      expect.arrayContaining(['provider:access_denied', 'state_expired', 'token:invalid_grant']),
    );
  });

  it('refreshes an expired token once for 50 concurrent calls across two instances, saving the rotated refresh token', async () => {
    const connector = await createCodeConnector('code-refresh');
    await runFlow(connector.id);
    const before = await storedSecrets(connector.id);
    await expireToken(connector.id);
    const other = createConnectorModule({
      settings: connectorSettingsOf(parseEnv({ NODE_ENV: 'test', ...env })),
      logger: createLogger({ level: 'silent' }),
      database: testApp.app.database,
      keyRing: ring,
    });
    const refreshesBefore = refreshes();
    const actor = { type: 'system' as const, id: null };
    const calls = Array.from({ length: 50 }, (_, index) =>
      (index % 2 === 0 ? testApp.app.services.connectorCalls : other.connectorCalls).callForProject(
        actor,
        projectId,
        connector.id,
        {
          path: '/me',
        },
      ),
    );
    const results = await Promise.all(calls);
    await other.connectorRuntime.close();
    expect(results.map((response) => response.status)).toEqual(Array(50).fill(200));
    expect(refreshes() - refreshesBefore).toBe(1);
    const after = await storedSecrets(connector.id);
    expect(after.accessToken).not.toBe(before.accessToken);
    expect(after.refreshToken).not.toBe(before.refreshToken);
    expect(after.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 30 * 60 * 1000);
    // The provider really rotated it: the old refresh token is dead.
    const reuse = await provider.refreshDirectly(provider.clients.basic, before.refreshToken ?? '');
    expect(reuse).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('marks the connector needs_reauth on invalid_grant, fails fast after, and recovers by authorizing again', async () => {
    const connector = await createCodeConnector('code-reauth');
    await runFlow(connector.id);
    const stored = await storedSecrets(connector.id);
    // Someone else spends our refresh token: the provider rotates it away from us.
    const stolen = await provider.refreshDirectly(provider.clients.basic, stored.refreshToken ?? '');
    expect(stolen.status).toBe(200);
    await expireToken(connector.id);
    const caller = callerFor(testApp, owner);
    const failed = await caller.connectors.test({ id: connector.id });
    expect(failed).toMatchObject({ ok: false, error: { code: 'PRECONDITION_FAILED' } });
    expect(failed.error?.message).toContain('invalid_grant');
    const detail = await caller.connectors.get({ id: connector.id });
    expect(detail).toMatchObject({ authStatus: 'needs_reauth' });
    expect(detail.statusMessage).toContain('authorize the connector again');
    const refreshesNow = refreshes();
    expect((await caller.connectors.test({ id: connector.id })).ok).toBe(false);
    expect(refreshes()).toBe(refreshesNow);
    const audit = (await caller.audit.list({ projectId, entityType: 'connector' })).events;
    expect(
      audit.find((event) => event.action === 'connector.needs_reauth' && event.entity_id === connector.id),
    ).toMatchObject({
      actor_type: 'system',
    });
    expect((await runFlow(connector.id)).result.status).toBe('success');
    expect(await caller.connectors.test({ id: connector.id })).toMatchObject({ ok: true, status: 200 });
    await storedSecrets(connector.id);
  });

  it('gets client-credentials tokens, caches them encrypted until shortly before expiry, and reports a bad secret', async () => {
    const caller = callerFor(testApp, owner);
    const connector = await caller.connectors.create({
      projectId,
      name: 'client-credentials',
      baseUrl: `${provider.issuer}/api`,
      testPath: '/me',
      maxRetries: 0,
      auth: {
        type: 'oauth2_client_credentials',
        tokenUrl: `${provider.issuer}/token`,
        clientId: provider.clients.post.clientId,
        clientSecret: provider.clients.post.clientSecret,
        clientAuth: 'client_secret_post',
        scopes: ['api:read'],
      },
    });
    const grants = () => provider.tokenRequests.get('client_credentials') ?? 0;
    const start = grants();
    expect(await caller.connectors.test({ id: connector.id })).toMatchObject({ ok: true, status: 200 });
    expect(await caller.connectors.test({ id: connector.id })).toMatchObject({ ok: true, status: 200 });
    expect(grants() - start).toBe(1);
    const cached = await storedSecrets(connector.id);
    expect(cached.accessToken).toBeTruthy();
    await expireToken(connector.id);
    expect(await caller.connectors.test({ id: connector.id })).toMatchObject({ ok: true });
    expect(grants() - start).toBe(2);
    expect((await storedSecrets(connector.id)).accessToken).not.toBe(cached.accessToken);
    const wrong = await caller.connectors.create({
      projectId,
      name: 'client-credentials-wrong',
      baseUrl: `${provider.issuer}/api`,
      testPath: '/me',
      auth: {
        type: 'oauth2_client_credentials',
        tokenUrl: `${provider.issuer}/token`,
        clientId: provider.clients.basic.clientId,
        clientSecret: 'not-the-secret-0123456789',
        scopes: ['api:read'],
      },
    });
    const refused = await caller.connectors.test({ id: wrong.id });
    expect(refused).toMatchObject({ ok: false, error: { code: 'BAD_GATEWAY' } });
    expect(refused.error?.message).toContain('invalid_client');
    expect((await storedSecrets(wrong.id)).fields).toEqual(['clientSecret']);
    responses.push(refused);
  });

  it('never lets a client secret or provider token reach a response, log line, audit row or the stored tables', async () => {
    const secrets = [provider.clients.basic.clientSecret, provider.clients.post.clientSecret, ...seenTokens];
    expect(seenTokens.size).toBeGreaterThan(4);
    const audit = await callerFor(testApp, owner).audit.list({ projectId, limit: 200 });
    const haystacks = {
      responses: JSON.stringify(responses),
      logs: testApp.logs.join('\n'),
      audit: JSON.stringify(audit),
      tables: await dumpPublicTables(testApp.database),
    };
    for (const [where, text] of Object.entries(haystacks)) {
      expect({ where, leaked: expectNoSecrets(text, secrets) }).toEqual({ where, leaked: [] });
    }
  });
});
