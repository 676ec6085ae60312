import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKeyRing } from '../../src/crypto/key-ring.js';
import { oldKey } from '../../src/domain/connectors/testing/fixtures.js';
import { createOAuthHarness, resultUrl } from '../../src/domain/connectors/testing/oauth-harness.js';
import {
  startAuthorizationServer,
  type TestAuthorizationServer,
} from '../../src/domain/connectors/testing/oauth-provider.js';
import { type LocalServer, startLocalServer } from '../../src/net/testing/local-server.js';
import { callerFor } from '../test-app.js';
import { type StepHarness, startStepHarness, workerToken } from './step-harness.js';

/**
 * A workflow calls outside APIs through a connector of every auth type, on a real Temporal
 * dev server: credentials are injected by the control plane (OAuth tokens from the
 * in-process provider, refreshed when expired), and no secret reaches the workflow
 * histories, the worker's logs or the control plane's logs, even from an upstream that
 * echoes every header it receives.
 */
const canary = {
  apiKey: 'CANARY-step-api-key-3f5a7c9e1b3d5f70',
  queryKey: 'CANARY-step-query-key-8b0d2f4a6c8e0a2c',
  bearer: 'CANARY-step-bearer-6e8a0c2e4a6c8e0b',
  password: 'CANARY-step-password-1d3f5b7d9f1b3d5e',
};

let h: StepHarness;
let echo: LocalServer;
let provider: TestAuthorizationServer;
const ring = createKeyRing(oldKey);

beforeAll(async () => {
  echo = await startLocalServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ method: request.method, url: request.url, headers: request.headers }));
  });
  provider = await startAuthorizationServer({ redirectUris: ['http://localhost:3000/oauth/callback'] });
  h = await startStepHarness({
    temporalAddress: inject('temporalAddress'),
    namespace: 'wfb-test-b',
    env: { OAUTH_RESULT_URL: resultUrl },
  });
  const caller = callerFor(h.testApp, h.owner);
  const base = { projectId: h.projectId, baseUrl: `${echo.origin}/v1`, maxRetries: 0 };
  await caller.connectors.create({
    ...base,
    name: 'key-header',
    auth: { type: 'api_key', placement: 'header', name: 'X-Key', apiKey: canary.apiKey },
  });
  await caller.connectors.create({
    ...base,
    name: 'key-query',
    auth: { type: 'api_key', placement: 'query', name: 'api_key', apiKey: canary.queryKey },
  });
  await caller.connectors.create({ ...base, name: 'bearer', auth: { type: 'bearer', token: canary.bearer } });
  await caller.connectors.create({
    ...base,
    name: 'basic',
    auth: { type: 'basic', username: 'ada', password: canary.password },
  });
});
afterAll(async () => {
  await h?.close();
  await provider?.close();
  await echo?.close();
});

const oauth = createOAuthHarness({
  testApp: () => h.testApp,
  provider: () => provider,
  projectId: () => h.projectId,
  get owner() {
    return h.owner;
  },
  ring,
});

async function ok(options: Parameters<StepHarness['http']>[0]) {
  const report = await h.http(options);
  if (!report.ok) throw new Error(`step failed: ${JSON.stringify(report.failure)}`);
  return report.result;
}

describe('http() through connectors on a real Temporal dev server', () => {
  it('injects an API key header and selects from the JSON body; the echoed key comes back redacted', async () => {
    const result = await ok({
      connector: 'key-header',
      path: '/items',
      query: { q: 'one' },
      select: { url: '$.url', key: '$.headers["x-key"]', headerNames: '$.headers.*~' },
    });
    expect(result.status).toBe(200);
    expect(result.selected.url).toEqual(['/v1/items?q=one']);
    expect(result.selected.key).toEqual(['[redacted]']);
    expect(echo.requests.at(-1)?.headers['x-key']).toBe(canary.apiKey);
  });

  it('injects an API key in the query, a bearer token and basic credentials', async () => {
    const query = await ok({ connector: 'key-query', path: '/q', select: { url: '$.url' } });
    expect(query.selected.url).toEqual(['/v1/q?api_key=[redacted]']);
    expect(echo.requests.at(-1)?.url).toBe(`/v1/q?api_key=${canary.queryKey}`);

    await ok({ connector: 'bearer', method: 'POST', path: '/b', body: { n: 1 } });
    expect(echo.requests.at(-1)).toMatchObject({
      method: 'POST',
      body: '{"n":1}',
      headers: { authorization: `Bearer ${canary.bearer}`, 'content-type': 'application/json' },
    });

    await ok({ connector: 'basic', path: '/basic' });
    const expected = `Basic ${Buffer.from(`ada:${canary.password}`).toString('base64')}`;
    expect(echo.requests.at(-1)?.headers.authorization).toBe(expected);
  });

  it('gets an OAuth client-credentials token, and a new one once it has expired', async () => {
    const connector = await callerFor(h.testApp, h.owner).connectors.create({
      projectId: h.projectId,
      name: 'oauth-cc',
      baseUrl: `${provider.issuer}/api`,
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
    const before = grants();
    expect((await ok({ connector: 'oauth-cc', path: '/me' })).body).toEqual({ ok: true, path: '/api/me' });
    expect(grants()).toBe(before + 1);
    await oauth.storedSecrets(connector.id);
    await oauth.expireToken(connector.id);
    expect((await ok({ connector: 'oauth-cc', path: '/me' })).status).toBe(200);
    expect(grants()).toBe(before + 2);
    await oauth.storedSecrets(connector.id);
  });

  it('uses an authorization-code connector and refreshes its token on expiry', async () => {
    const connector = await oauth.createCodeConnector('oauth-code');
    expect((await oauth.runFlow(connector.id)).result).toMatchObject({ status: 'success' });
    await oauth.storedSecrets(connector.id);
    const refreshes = () => provider.tokenRequests.get('refresh_token') ?? 0;
    const before = refreshes();
    expect((await ok({ connector: 'oauth-code', path: '/me' })).body).toEqual({ ok: true, path: '/api/me' });
    await oauth.expireToken(connector.id);
    expect((await ok({ connector: 'oauth-code', path: '/me' })).body).toEqual({ ok: true, path: '/api/me' });
    expect(refreshes()).toBe(before + 1);
    expect(provider.apiRequests.at(-1)).toMatchObject({ path: '/api/me', active: true });
    await oauth.storedSecrets(connector.id);
  });

  it('leaves no secret in any workflow history, the worker logs or the control plane logs', async () => {
    const secrets = [
      ...Object.values(canary),
      Buffer.from(`ada:${canary.password}`).toString('base64'),
      provider.clients.post.clientSecret,
      provider.clients.basic.clientSecret,
      workerToken,
      ...oauth.seenTokens,
    ];
    expect(oauth.seenTokens.size).toBeGreaterThanOrEqual(4);
    const histories = await h.histories();
    expect(histories).toContain('[redacted]');
    const haystacks = { histories, worker: h.workerLogs.join('\n'), controlPlane: h.testApp.logs.join('\n') };
    for (const [where, text] of Object.entries(haystacks)) {
      expect({ where, found: secrets.filter((secret) => text.includes(secret)) }).toEqual({ where, found: [] });
    }
  });
});
