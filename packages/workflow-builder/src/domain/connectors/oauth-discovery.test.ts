import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { callerFor, createTestApp, type TestApp, trpcFailure } from '../../../test/test-app.js';
import { createKeyRing } from '../../crypto/key-ring.js';
import { type LocalServer, startLocalServer } from '../../net/testing/local-server.js';
import { parseAuthConfig } from './auth-config.js';
import { connectorEnv, oldKey } from './testing/fixtures.js';
import { createOAuthHarness, redirectUri, resultUrl } from './testing/oauth-harness.js';
import { startAuthorizationServer, type TestAuthorizationServer } from './testing/oauth-provider.js';

/**
 * Connectors configured by issuer alone. oidc-provider spells its issuer with a trailing
 * slash here, as many real providers do, and asks for `openid`: the ID tokens it issues
 * (on the code exchange and on every refresh) must be checked against that exact issuer.
 * A scripted server covers RFC 8414 metadata for an issuer with a path, a metadata issuer
 * that is not the one configured, and an issuer the SSRF policy refuses.
 */
const clientSecret = 'PLANTED-discovery-client-secret-0123456789';

describe.each(driverKinds)('OAuth configuration by issuer on %s (database)', (kind) => {
  let testApp: TestApp;
  let provider: TestAuthorizationServer;
  let scripted: LocalServer;
  const owner = randomUUID();
  let projectId: string;
  let metadataIssuer = '';

  beforeAll(async () => {
    provider = await startAuthorizationServer({ redirectUris: [redirectUri], trailingSlash: true });
    scripted = await startLocalServer((request, response) => {
      const answer = (status: number, body: unknown) => {
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify(body));
      };
      if (request.url === '/.well-known/oauth-authorization-server/tenant-a') {
        return answer(200, {
          issuer: metadataIssuer,
          authorization_endpoint: `${scripted.origin}/tenant-a/authorize`,
          token_endpoint: `${scripted.origin}/tenant-a/token`,
        });
      }
      if (request.url === '/tenant-a/token') {
        return answer(200, { access_token: 'scripted-access', token_type: 'Bearer', expires_in: 3600 });
      }
      answer(404, { error: 'not_found' });
    });
    testApp = await createTestApp(kind, connectorEnv({ OAUTH_RESULT_URL: resultUrl }));
    projectId = (await callerFor(testApp, owner).projects.create({ slug: `issuer-${kind}`, name: 'Issuer' })).id;
  });
  afterAll(async () => {
    await testApp.close();
    await Promise.all([provider.close(), scripted.close()]);
  });

  const { runFlow, deliver, expireToken, storedSecrets } = createOAuthHarness({
    testApp: () => testApp,
    provider: () => provider,
    projectId: () => projectId,
    owner,
    ring: createKeyRing(oldKey),
  });

  function create(name: string, auth: Record<string, unknown>, baseUrl = `${provider.origin}/api`) {
    return callerFor(testApp, owner).connectors.create({
      projectId,
      name,
      baseUrl,
      testPath: '/me',
      maxRetries: 0,
      auth: {
        type: 'oauth2_authorization_code',
        clientId: provider.clients.basic.clientId,
        clientSecret,
        scopes: ['openid', 'api:read'],
        ...auth,
      },
    });
  }

  it('runs the flow and refreshes with openid against an issuer with a trailing slash, given only the issuer', async () => {
    const connector = await callerFor(testApp, owner).connectors.create({
      projectId,
      name: 'by-issuer',
      baseUrl: `${provider.origin}/api`,
      testPath: '/me',
      maxRetries: 0,
      auth: {
        type: 'oauth2_authorization_code',
        issuer: provider.issuer,
        discovery: 'oidc',
        clientId: provider.clients.basic.clientId,
        clientSecret: provider.clients.basic.clientSecret,
        scopes: ['openid', 'api:read'],
        extraAuthParams: { prompt: 'consent' },
      },
    });
    const { result } = await runFlow(connector.id);
    expect(result).toEqual({ status: 'success', connectorId: connector.id });
    const caller = callerFor(testApp, owner);
    expect(await caller.connectors.test({ id: connector.id })).toMatchObject({ ok: true, status: 200 });
    const before = await storedSecrets(connector.id);
    await expireToken(connector.id);
    expect(await caller.connectors.test({ id: connector.id })).toMatchObject({ ok: true, status: 200 });
    expect((await storedSecrets(connector.id)).accessToken).not.toBe(before.accessToken);
  });

  it('refuses openid without an issuer or discovery when the connector is saved', async () => {
    const explicit = { authorizationUrl: `${provider.origin}/auth`, tokenUrl: `${provider.origin}/token` };
    const refused = await trpcFailure(create('openid-no-issuer', explicit));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toContain('auth.issuer is required with the openid scope');
    const plain = await create('openid-later', { ...explicit, scopes: ['api:read'] });
    const update = callerFor(testApp, owner).connectors.update({
      id: plain.id,
      auth: { type: 'oauth2_authorization_code', ...explicit, clientId: 'x', scopes: ['openid'] },
    });
    expect((await trpcFailure(update)).message).toContain('auth.issuer is required with the openid scope');
    // One saved before the rule keeps working, and stays editable where auth is not touched.
    await sql`update connector_credentials set auth_config = jsonb_set(auth_config, '{scopes}', '["openid"]')
      where connector_id = ${plain.id}`.execute(testApp.database.db);
    const moved = await callerFor(testApp, owner).connectors.update({ id: plain.id, baseUrl: `${provider.origin}/v2` });
    expect(moved.settings?.auth).toMatchObject({ scopes: ['openid'] });
    expect((await trpcFailure(create('discovery-no-issuer', { discovery: 'oidc' }))).message).toContain(
      'auth.issuer is required with auth.discovery',
    );
    expect((await trpcFailure(create('nothing', { issuer: provider.issuer }))).message).toContain(
      'auth.authorizationUrl is required unless auth.discovery is set',
    );
    const stated = await create('openid-stated', { ...explicit, issuer: provider.issuer });
    expect(stated.settings?.auth).toMatchObject({ issuer: provider.issuer });
  });

  it('reads RFC 8414 metadata for an issuer with a path, once for start and callback', async () => {
    metadataIssuer = `${scripted.origin}/tenant-a`;
    const connector = await create(
      'rfc8414',
      { issuer: metadataIssuer, discovery: 'oauth2', scopes: ['api:read'] },
      `${scripted.origin}/api`,
    );
    const seen = scripted.requests.length;
    const started = await callerFor(testApp, owner).connectors.oauth.start({ id: connector.id });
    const authorizationUrl = new URL(started.authorizationUrl);
    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${scripted.origin}/tenant-a/authorize`);
    const callback = new URL(redirectUri);
    callback.searchParams.set('code', 'scripted-code');
    callback.searchParams.set('state', authorizationUrl.searchParams.get('state') ?? '');
    expect(await deliver(callback)).toEqual({ status: 'success', connectorId: connector.id });
    expect(scripted.requests.slice(seen).map((request) => request.url)).toEqual([
      '/.well-known/oauth-authorization-server/tenant-a',
      '/tenant-a/token',
    ]);
  });

  it('refuses metadata whose issuer is not the configured one, naming the reason', async () => {
    metadataIssuer = `${scripted.origin}/tenant-b`;
    const connector = await create(
      'wrong-metadata',
      { issuer: `${scripted.origin}/tenant-a/`, discovery: 'oauth2' },
      `${scripted.origin}/api`,
    );
    const refused = await trpcFailure(callerFor(testApp, owner).connectors.oauth.start({ id: connector.id }));
    expect(refused.code).toBe('BAD_GATEWAY');
    expect(refused.message).toContain('issuer_mismatch');
    expect(testApp.logs.at(-1)).toContain('issuer_mismatch');
  });

  it('fetches metadata through the SSRF-safe dispatcher', async () => {
    const blockedIssuer = `http://127.0.0.2:${scripted.port}/tenant-a`;
    const connector = await create('blocked-issuer', { issuer: blockedIssuer, discovery: 'oauth2' });
    const seen = scripted.requests.length;
    const refused = await trpcFailure(callerFor(testApp, owner).connectors.oauth.start({ id: connector.id }));
    expect(refused.code).toBe('FORBIDDEN');
    expect(refused.message).toContain('blocked address');
    expect(testApp.logs.at(-1)).toContain('metadata_endpoint_blocked');
    expect(scripted.requests.length).toBe(seen);
  });

  it('still reads settings stored before discovery existed', () => {
    const stored = {
      type: 'oauth2_authorization_code',
      authorizationUrl: 'https://idp.example/auth',
      tokenUrl: 'https://idp.example/token',
      scopes: ['api:read'],
      clientId: 'client',
      clientAuth: 'client_secret_basic',
      extraAuthParams: {},
    };
    expect(parseAuthConfig(stored)).toEqual(stored);
  });
});
