import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../../test/test-app.js';
import { type LocalServer, startLocalServer } from '../../net/testing/local-server.js';
import { connectorEnv } from './testing/fixtures.js';

describe.each(driverKinds)('connector proxy rate limits on %s (database)', (kind) => {
  let testApp: TestApp;
  let upstream: LocalServer;
  const owner = randomUUID();
  const colleague = randomUUID();
  let projectId: string;
  let connectorId: string;

  beforeAll(async () => {
    upstream = await startLocalServer((_request, response) => response.end('ok'));
    testApp = await createTestApp(kind, connectorEnv({ CONNECTOR_PROXY_USER_RATE_PER_MINUTE: '2' }));
    const caller = callerFor(testApp, owner);
    projectId = (await caller.projects.create({ slug: `limits-${kind}`, name: 'Limits' })).id;
    await caller.projects.members.add({ projectId, userId: colleague, role: 'member' });
    connectorId = (
      await caller.connectors.create({
        projectId,
        name: 'limited',
        baseUrl: upstream.origin,
        maxRetries: 0,
        auth: { type: 'bearer', token: 'upstream-token' },
      })
    ).id;
  });
  afterAll(async () => {
    await upstream.close();
    await testApp.close();
  });

  const inject = (url: string, headers: Record<string, string>) =>
    testApp.app.server.inject({ method: 'GET', url, headers });

  it('gives an API key one budget across the proxy and the /api/v1 routes', async () => {
    const key = (await callerFor(testApp, owner).apiKeys.create({ projectId, name: 'three', rateLimitPerMinute: 3 }))
      .plaintext;
    const headers = { 'x-api-key': key };
    const first = await inject(`/api/proxy/${connectorId}/a`, headers);
    expect(first.statusCode).toBe(200);
    expect(first.headers).toMatchObject({ 'ratelimit-limit': '3', 'ratelimit-remaining': '2' });
    expect((await inject('/api/v1/whoami', headers)).statusCode).toBe(200);
    expect((await inject(`/api/proxy/${connectorId}/b`, headers)).statusCode).toBe(200);
    const refused = await inject(`/api/proxy/${connectorId}/c`, headers);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.headers['ratelimit-remaining']).toBe('0');
    expect(refused.json()).toMatchObject({ code: 'TOO_MANY_REQUESTS', scope: 'key' });
    // The budget the proxy spent is the one /api/v1 sees.
    expect((await inject('/api/v1/whoami', headers)).statusCode).toBe(429);
  });

  it('limits members calling with a JWT per user, with Retry-After and RateLimit headers', async () => {
    const before = upstream.requests.length;
    const headers = { authorization: `Bearer ${await testApp.token(owner)}` };
    const first = await inject(`/api/proxy/${connectorId}/x`, headers);
    expect(first.statusCode).toBe(200);
    expect(first.headers).toMatchObject({ 'ratelimit-limit': '2', 'ratelimit-remaining': '1' });
    expect((await inject(`/api/proxy/${connectorId}/x`, headers)).statusCode).toBe(200);
    const refused = await inject(`/api/proxy/${connectorId}/x`, headers);
    expect(refused.statusCode).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers).toMatchObject({ 'ratelimit-limit': '2', 'ratelimit-remaining': '0' });
    expect(refused.json()).toMatchObject({ code: 'TOO_MANY_REQUESTS', scope: 'user' });
    expect(upstream.requests.length - before).toBe(2);
    // Another member has their own budget.
    const other = await inject(`/api/proxy/${connectorId}/x`, {
      authorization: `Bearer ${await testApp.token(colleague)}`,
    });
    expect(other.statusCode).toBe(200);
  });
});
