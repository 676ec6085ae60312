import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../test/databases.js';
import { createTestApp, type TestApp, testJwtSecret } from '../test/test-app.js';
import { mintToken } from './auth/jwt.js';
import { generateApiKey } from './domain/api-keys/api-key-format.js';

interface CreatedKey {
  key: { id: string; hint: string };
  plaintext: string;
}

describe.each(driverKinds)('HTTP surface on %s (database)', (kind) => {
  let testApp: TestApp;
  let baseUrl: string;
  /** Every response body the test saw, for the secret scan at the end. */
  const seen: Array<{ label: string; body: string }> = [];

  async function call(method: string, path: string, init: { headers?: Record<string, string>; body?: unknown } = {}) {
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { ...(init.body !== undefined && { 'content-type': 'application/json' }), ...init.headers },
      ...(init.body !== undefined && { body: JSON.stringify(init.body) }),
    });
    const body = await response.text();
    seen.push({ label: `${method} ${path}`, body });
    return { status: response.status, headers: response.headers, body, json: () => JSON.parse(body) };
  }

  async function trpc(token: string, path: string, input: unknown) {
    return call('POST', `/trpc/${path}`, { headers: { authorization: `Bearer ${token}` }, body: input });
  }

  async function query(token: string, path: string, input?: unknown) {
    const search = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
    return call('GET', `/trpc/${path}${search}`, { headers: { authorization: `Bearer ${token}` } });
  }

  beforeAll(async () => {
    testApp = await createTestApp(kind);
    await testApp.app.server.listen({ host: '127.0.0.1', port: 0 });
    const address = testApp.app.server.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    baseUrl = `http://127.0.0.1:${address.port}`;
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('answers /healthz and /readyz', async () => {
    expect((await call('GET', '/healthz')).status).toBe(200);
    const ready = await call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ready',
      checks: [
        { name: 'database', ok: true },
        { name: 'kong', ok: true, disabled: true },
      ],
    });
  });

  it('refuses tRPC calls without a valid token, saying why', async () => {
    expect((await call('POST', '/trpc/projects.create', { body: { slug: 'x-x', name: 'x' } })).status).toBe(401);
    const expired = await mintToken({ secret: testJwtSecret, userId: randomUUID(), expiresInSeconds: -10 });
    const expiredResponse = await query(expired, 'projects.list');
    expect(expiredResponse.status).toBe(401);
    expect(expiredResponse.json().error.message).toBe('token expired');
    const forged = await mintToken({ secret: 'another-secret-0123456789abcdefghijklmnop', userId: randomUUID() });
    expect((await query(forged, 'projects.list')).status).toBe(401);
    const wrongAudience = await mintToken({ secret: testJwtSecret, userId: randomUUID(), audience: 'anon' });
    expect((await query(wrongAudience, 'projects.list')).status).toBe(401);
  });

  it('turns bad tRPC input into 400 with the zod issues, unknown ids into 404', async () => {
    const token = await testApp.token();
    const bad = await trpc(token, 'projects.create', { slug: 'NO', name: 42 });
    expect(bad.status).toBe(400);
    expect(bad.json().error.data.issues.properties).toHaveProperty('slug');
    const missing = await query(token, 'projects.get', { projectId: randomUUID() });
    expect(missing.status).toBe(404);
    expect(missing.json().error.data.requestId).toBeTruthy();
  });

  it('token → project → API key → whoami 200; revoked → 401 with the same body as garbage', async () => {
    const token = await testApp.token();
    const project = (await trpc(token, 'projects.create', { slug: 'http-flow', name: 'HTTP' })).json().result.data;
    const created: CreatedKey = (await trpc(token, 'apiKeys.create', { projectId: project.id, name: 'client' })).json()
      .result.data;

    const whoami = await call('GET', '/api/v1/whoami', { headers: { 'x-api-key': created.plaintext } });
    expect(whoami.status).toBe(200);
    expect(whoami.json()).toEqual({
      project: { id: project.id, slug: 'http-flow' },
      key: { id: created.key.id, name: 'client', publicInterfaceId: null },
    });
    expect(whoami.headers.get('ratelimit-limit')).toBe('600');

    await trpc(token, 'apiKeys.revoke', { id: created.key.id });
    const rejections = [
      await call('GET', '/api/v1/whoami', { headers: { 'x-api-key': created.plaintext } }),
      await call('GET', '/api/v1/whoami', { headers: { 'x-api-key': 'garbage' } }),
      await call('GET', '/api/v1/whoami', { headers: { 'x-api-key': generateApiKey('test').plaintext } }),
      await call('GET', '/api/v1/whoami'),
    ];
    const shapes = rejections.map((response) => {
      const { requestId, ...rest } = response.json();
      expect(requestId).toBeTruthy();
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      return { status: response.status, ...rest };
    });
    expect(new Set(shapes.map((shape) => JSON.stringify(shape))).size).toBe(1);
    expect(shapes[0]).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it('limits a key per minute with 429, Retry-After and RateLimit headers', async () => {
    const token = await testApp.token();
    const project = (await trpc(token, 'projects.create', { slug: 'limited', name: 'Limited' })).json().result.data;
    const created: CreatedKey = (
      await trpc(token, 'apiKeys.create', { projectId: project.id, name: 'tight', rateLimitPerMinute: 3 })
    ).json().result.data;
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof call>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await call('GET', '/api/v1/whoami', { headers: { 'x-api-key': created.plaintext } });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(last?.headers.get('ratelimit-remaining')).toBe('0');
    expect(last?.json()).toMatchObject({ code: 'TOO_MANY_REQUESTS' });
  });

  it('echoes a caller request id and answers unknown routes with a problem body', async () => {
    const requestId = `req-${randomUUID()}`;
    const response = await call('GET', '/nope', { headers: { 'x-request-id': requestId } });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-request-id')).toBe(requestId);
    expect(response.json()).toMatchObject({ code: 'NOT_FOUND', requestId });
  });

  it('shows a planted key only in its create and roll responses: never in logs or other responses', async () => {
    const token = await testApp.token();
    const project = (await trpc(token, 'projects.create', { slug: 'planted', name: 'Planted' })).json().result.data;
    const createdResponse = await trpc(token, 'apiKeys.create', { projectId: project.id, name: 'planted' });
    const created: CreatedKey = createdResponse.json().result.data;
    await call('GET', '/api/v1/whoami', { headers: { 'x-api-key': created.plaintext } });
    await query(token, 'apiKeys.list', { projectId: project.id });
    await trpc(token, 'apiKeys.update', { id: created.key.id, name: 'planted-2' });
    const rolledResponse = await trpc(token, 'apiKeys.roll', { id: created.key.id, graceSeconds: 60 });
    const rolled: CreatedKey = rolledResponse.json().result.data;
    await call('GET', '/api/v1/whoami', {
      headers: { 'x-api-key': rolled.plaintext, authorization: `Bearer ${token}` },
    });
    await call('GET', '/api/v1/whoami', { headers: { 'x-api-key': `${created.plaintext}x` } });
    await query(token, 'audit.list', { projectId: project.id });
    await testApp.app.keyVerifier.flushUsage();

    for (const secret of [created.plaintext, rolled.plaintext]) {
      const carriers = seen.filter((entry) => entry.body.includes(secret)).map((entry) => entry.body);
      expect(carriers).toHaveLength(1);
      expect([createdResponse.body, rolledResponse.body]).toContain(carriers[0]);
      expect(testApp.logs.filter((line) => line.includes(secret))).toEqual([]);
      expect(testApp.logs.filter((line) => line.includes(token))).toEqual([]);
    }
    const rows = await testApp.database.db.selectFrom('audit_events').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(created.plaintext);
    expect(JSON.stringify(rows)).not.toContain(rolled.plaintext);
    expect(testApp.logs.length).toBeGreaterThan(10);
  });
});
