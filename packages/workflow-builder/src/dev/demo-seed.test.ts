import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../test/test-app.js';
import { ordersInterfaces } from './demo-orders-api.js';
import { demoDefaults, seedDemo } from './demo-seed.js';

describe.each(driverKinds)('demo seed on %s (database)', (kind) => {
  let testApp: TestApp;
  const userId = randomUUID();

  beforeAll(async () => {
    testApp = await createTestApp(kind);
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('seeds a project, the orders service, every interface type, public routes and a key, printable as curl', async () => {
    const seed = await seedDemo({ app: testApp.app, userId, baseUrl: 'http://127.0.0.1:3000' });
    expect(seed.project).toMatchObject({ slug: 'demo', namespace: demoDefaults.namespace });
    expect(seed.service).toMatchObject({ name: 'orders', workflowType: 'orderWorkflow', taskQueue: 'wfb-examples' });
    const routeCount = ordersInterfaces.reduce((count, definition) => count + definition.routes.length, 0);
    expect(Object.keys(seed.routes)).toHaveLength(routeCount);
    const types = new Set(ordersInterfaces.map((definition) => definition.type));
    expect([...types].sort()).toEqual(['query', 'signal', 'start', 'update']);
    expect(seed.curl).toMatchObject({
      method: 'POST',
      url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:3000\/api\/v1\/[a-z0-9]{16}\/orders\/demo-order-1$/),
      headers: {
        'X-API-Key': seed.apiKey.plaintext,
        'Content-Type': 'application/json',
        'Idempotency-Key': 'demo-order-1',
      },
      body: '{"customer":"ada"}',
    });
    expect(seed.curl.command).toBe(
      `curl -sS -X POST '${seed.curl.url}' -H 'X-API-Key: ${seed.apiKey.plaintext}' ` +
        `-H 'Content-Type: application/json' -H 'Idempotency-Key: demo-order-1' -d '{"customer":"ada"}'`,
    );
    expect(seed.examples.map((example) => example.method)).toEqual(['POST', 'PUT', 'GET', 'POST']);
  });

  it('is idempotent: the same rows again, with a fresh key and the previous one revoked', async () => {
    const first = await seedDemo({ app: testApp.app, userId, projectSlug: 'again', namespace: 'wfb-test-a' });
    const second = await seedDemo({ app: testApp.app, userId, projectSlug: 'again', namespace: 'wfb-test-a' });
    expect(second.project).toEqual(first.project);
    expect(second.service).toEqual(first.service);
    expect(second.routes).toEqual(first.routes);
    expect(second.apiKey.plaintext).not.toBe(first.apiKey.plaintext);
    const caller = callerFor(testApp, userId);
    expect((await caller.apiKeys.get({ id: first.apiKey.id })).status).toBe('revoked');
    expect((await caller.apiKeys.get({ id: second.apiKey.id })).status).toBe('active');
    const moved = await seedDemo({ app: testApp.app, userId, projectSlug: 'again', taskQueue: 'elsewhere' });
    expect(moved.service.taskQueue).toBe('elsewhere');
    expect(moved.routes).toEqual(first.routes);
  });
});
