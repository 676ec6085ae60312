import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { callerFor, createTestApp, type TestApp, trpcFailure } from '../../../test/test-app.js';
import { createKeyRing } from '../../crypto/key-ring.js';
import { type LocalServer, startLocalServer } from '../../net/testing/local-server.js';
import { openSecrets, sealSecrets } from './connector-secrets.js';
import { saveTokens, updateConnector } from './connectors.store.js';
import { connectorEnv, oldKey } from './testing/fixtures.js';

const planted = {
  apiKey: 'PLANTED-origin-api-key-3b5d7f9a1c2e4a6b',
  replacement: 'PLANTED-origin-new-key-8c0e2a4b6d8f0a2c',
  clientSecret: 'PLANTED-origin-client-secret-5f7a9c1e3b5d',
  accessToken: 'PLANTED-origin-access-token-1a2b3c4d',
  refreshToken: 'PLANTED-origin-refresh-token-5e6f7a8b',
};
const ring = createKeyRing(oldKey);

describe.each(driverKinds)('moving a connector to another origin on %s (database)', (kind) => {
  let testApp: TestApp;
  let upstream: LocalServer;
  let attacker: LocalServer;
  const owner = randomUUID();
  const member = randomUUID();
  let projectId: string;

  const tokenResponse = JSON.stringify({ access_token: 'issued-access-token', token_type: 'Bearer', expires_in: 3600 });
  const answer = (url: string, response: import('node:http').ServerResponse) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(url.startsWith('/token') ? tokenResponse : '{}');
  };

  beforeAll(async () => {
    testApp = await createTestApp(kind, connectorEnv());
    upstream = await startLocalServer((request, response) => answer(request.url, response));
    attacker = await startLocalServer((request, response) => answer(request.url, response));
    const caller = callerFor(testApp, owner);
    projectId = (await caller.projects.create({ slug: `origin-${kind}`, name: 'Origins' })).id;
    await caller.projects.members.add({ projectId, userId: member, role: 'member' });
  });
  afterAll(async () => {
    await Promise.all([upstream.close(), attacker.close()]);
    await testApp.close();
  });

  function apiKeyConnector(name: string) {
    return callerFor(testApp, owner).connectors.create({
      projectId,
      name,
      baseUrl: `${upstream.origin}/v1`,
      maxRetries: 0,
      auth: { type: 'api_key', placement: 'header', name: 'X-Key', apiKey: planted.apiKey },
    });
  }

  async function stored(connectorId: string) {
    const row = await testApp.database.db
      .selectFrom('connector_credentials')
      .innerJoin('connectors', 'connectors.id', 'connector_credentials.connector_id')
      .select(['encrypted_credentials', 'base_url', 'auth_config', 'auth_status', 'token_expires_at'])
      .where('connector_id', '=', connectorId)
      .executeTakeFirstOrThrow();
    return { ...row, secrets: openSecrets(ring, { projectId, connectorId }, row.encrypted_credentials) };
  }

  it('refuses a base URL on another origin without the secret, and the old credentials keep working', async () => {
    const connector = await apiKeyConnector('base-only');
    const before = await stored(connector.id);
    const attackerSeen = attacker.requests.length;
    const refused = await trpcFailure(
      callerFor(testApp, owner).connectors.update({ id: connector.id, baseUrl: `${attacker.origin}/v1` }),
    );
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toContain('auth.apiKey');
    expect(refused.message).toContain('baseUrl');
    expect(await stored(connector.id)).toEqual(before);
    expect((await callerFor(testApp, owner).connectors.test({ id: connector.id })).ok).toBe(true);
    expect(upstream.requests.at(-1)?.headers['x-key']).toBe(planted.apiKey);
    expect(attacker.requests.length).toBe(attackerSeen);
  });

  it('accepts the move when the secret is supplied again; only the new secret reaches the new origin', async () => {
    const connector = await apiKeyConnector('base-resupplied');
    const caller = callerFor(testApp, owner);
    const moved = await caller.connectors.update({
      id: connector.id,
      baseUrl: `${attacker.origin}/v1`,
      auth: { type: 'api_key', placement: 'header', name: 'X-Key', apiKey: planted.replacement },
    });
    expect(moved.baseUrl).toBe(`${attacker.origin}/v1`);
    expect((await caller.connectors.test({ id: connector.id })).ok).toBe(true);
    expect(attacker.requests.at(-1)?.headers['x-key']).toBe(planted.replacement);
    expect(JSON.stringify(attacker.requests)).not.toContain(planted.apiKey);
    const audit = (await caller.audit.list({ projectId, entityType: 'connector' })).events.find(
      (event) => event.action === 'connector.updated' && event.entity_id === connector.id,
    );
    expect(audit?.metadata).toMatchObject({ originChanged: ['baseUrl'], secretsChanged: ['apiKey'] });
  });

  it('keeps the secret for a new path on the same origin', async () => {
    const connector = await apiKeyConnector('same-origin');
    const caller = callerFor(testApp, member);
    expect((await caller.connectors.update({ id: connector.id, baseUrl: `${upstream.origin}/v2` })).baseUrl).toBe(
      `${upstream.origin}/v2`,
    );
    expect((await stored(connector.id)).secrets).toEqual({ apiKey: planted.apiKey });
  });

  it('refuses a token URL on another origin without the client secret, and drops stored tokens when moved', async () => {
    const caller = callerFor(testApp, owner);
    const auth = {
      type: 'oauth2_client_credentials' as const,
      tokenUrl: `${upstream.origin}/token`,
      clientId: 'client',
      scopes: [],
    };
    const connector = await caller.connectors.create({
      projectId,
      name: 'cc-move',
      baseUrl: upstream.origin,
      maxRetries: 0,
      auth: { ...auth, clientSecret: planted.clientSecret },
    });
    expect((await caller.connectors.test({ id: connector.id })).ok).toBe(true);
    const before = await stored(connector.id);
    expect(before.secrets.accessToken).toBe('issued-access-token');
    const refused = await trpcFailure(
      caller.connectors.update({ id: connector.id, auth: { ...auth, tokenUrl: `${attacker.origin}/token` } }),
    );
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toContain('auth.clientSecret');
    expect(refused.message).toContain('auth.tokenUrl');
    expect(await stored(connector.id)).toEqual(before);
    const moved = await caller.connectors.update({
      id: connector.id,
      auth: { ...auth, tokenUrl: `${attacker.origin}/token`, clientSecret: 'a-new-client-secret' },
    });
    expect(Object.keys(moved.settings?.secrets ?? {})).toEqual(['clientSecret']);
    expect(moved.settings?.tokenExpiresAt).toBeNull();
    expect(attacker.requests).not.toContainEqual(expect.objectContaining({ body: expect.stringContaining('PLANTED') }));
  });

  it('drops the tokens of an authorization-code connector whose base URL moves; it must be authorized again', async () => {
    const caller = callerFor(testApp, owner);
    const auth = {
      type: 'oauth2_authorization_code' as const,
      authorizationUrl: `${upstream.origin}/authorize`,
      tokenUrl: `${upstream.origin}/token`,
      clientId: 'client',
      scopes: ['read'],
    };
    const connector = await caller.connectors.create({
      projectId,
      name: 'code-move',
      baseUrl: upstream.origin,
      auth: { ...auth, clientSecret: planted.clientSecret },
    });
    const attackerSeen = attacker.requests.length;
    // As if authorized: tokens stored, status ready.
    const current = await stored(connector.id);
    const version = await testApp.database.db
      .selectFrom('connector_credentials')
      .select('credentials_version')
      .where('connector_id', '=', connector.id)
      .executeTakeFirstOrThrow();
    const sealed = sealSecrets(
      ring,
      { projectId, connectorId: connector.id },
      { ...current.secrets, accessToken: planted.accessToken, refreshToken: planted.refreshToken },
    );
    await saveTokens(testApp.database.db, connector.id, version.credentials_version, {
      secretHints: sealed.hints,
      encryptedCredentials: sealed.record,
      encryptionKeyId: sealed.keyId,
      tokenExpiresAt: new Date(Date.now() + 3_600_000),
      tokenIssuedAt: new Date(),
    });
    await updateConnector(testApp.database.db, connector.id, { authStatus: 'ready' });
    expect(await trpcFailure(caller.connectors.update({ id: connector.id, baseUrl: attacker.origin }))).toMatchObject({
      code: 'BAD_REQUEST',
    });
    expect((await stored(connector.id)).secrets.refreshToken).toBe(planted.refreshToken);
    const moved = await caller.connectors.update({
      id: connector.id,
      baseUrl: attacker.origin,
      auth: { ...auth, clientSecret: planted.clientSecret },
    });
    expect(moved.authStatus).toBe('pending_authorization');
    expect((await stored(connector.id)).secrets).toEqual({ clientSecret: planted.clientSecret });
    expect(attacker.requests.length).toBe(attackerSeen);
  });

  it('counts the issuer an authorization-code connector discovers from as a destination', async () => {
    const explicit = {
      type: 'oauth2_authorization_code' as const,
      authorizationUrl: `${upstream.origin}/authorize`,
      tokenUrl: `${upstream.origin}/token`,
      clientId: 'client',
      scopes: ['read'],
    };
    const connector = await callerFor(testApp, owner).connectors.create({
      projectId,
      name: 'issuer-move',
      baseUrl: upstream.origin,
      auth: { ...explicit, clientSecret: planted.clientSecret },
    });
    const before = await stored(connector.id);
    const byIssuer = { type: explicit.type, clientId: 'client', scopes: ['read'], discovery: 'oidc' as const };
    const toAttacker = { id: connector.id, auth: { ...byIssuer, issuer: `${attacker.origin}/` } };
    expect((await trpcFailure(callerFor(testApp, member).connectors.update(toAttacker))).code).toBe('FORBIDDEN');
    const refused = await trpcFailure(callerFor(testApp, owner).connectors.update(toAttacker));
    expect(refused.code).toBe('BAD_REQUEST');
    expect(refused.message).toContain('auth.clientSecret');
    expect(refused.message).toContain('auth.issuer');
    expect(await stored(connector.id)).toEqual(before);
    // Stating the issuer the connector already defaulted to moves nothing.
    const stated = await callerFor(testApp, member).connectors.update({
      id: connector.id,
      auth: { ...explicit, issuer: `${upstream.origin}/` },
    });
    expect(stated.settings?.auth).toMatchObject({ issuer: `${upstream.origin}/` });
    expect((await stored(connector.id)).secrets).toEqual(before.secrets);
  });

  it('lets only owners and admins move a connector to another origin', async () => {
    const connector = await apiKeyConnector('member-move');
    const before = await stored(connector.id);
    const asMember = callerFor(testApp, member);
    const withSecret = {
      id: connector.id,
      baseUrl: attacker.origin,
      auth: { type: 'api_key' as const, placement: 'header' as const, name: 'X-Key', apiKey: planted.replacement },
    };
    expect((await trpcFailure(asMember.connectors.update(withSecret))).code).toBe('FORBIDDEN');
    expect((await trpcFailure(asMember.connectors.update({ id: connector.id, baseUrl: attacker.origin }))).code).toBe(
      'FORBIDDEN',
    );
    expect(await stored(connector.id)).toEqual(before);
    // Everything that keeps the origin is still open to members.
    expect((await asMember.connectors.update({ id: connector.id, name: 'renamed-by-member' })).name).toBe(
      'renamed-by-member',
    );
    await callerFor(testApp, owner).projects.members.add({ projectId, userId: randomUUID(), role: 'viewer' });
    const admin = randomUUID();
    await callerFor(testApp, owner).projects.members.add({ projectId, userId: admin, role: 'admin' });
    expect((await callerFor(testApp, admin).connectors.update(withSecret)).baseUrl).toBe(attacker.origin);
  });
});
