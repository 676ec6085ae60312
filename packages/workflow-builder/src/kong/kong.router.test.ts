import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually } from '../../test/eventually.js';
import { callerFor, createTestApp, type TestApp, trpcFailure } from '../../test/test-app.js';
import { createKongAdminClient } from './admin-client.js';
import { interfaceName } from './kong-types.js';
import { type ControllerHarness, startControllerHarness } from './testing/controller-harness.js';

/** The `kong` procedures, readiness and the interface views, with the controller off and on (PGlite). */
describe('Kong controller off (database)', () => {
  let testApp: TestApp;
  const operator = randomUUID();
  beforeAll(async () => {
    testApp = await createTestApp('pglite', { KONG_OPERATOR_USER_IDS: operator });
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('says so in kong.status and /readyz, refuses kong.sync, and /api/v1 keeps working', async () => {
    const user = randomUUID();
    expect(await callerFor(testApp, user).kong.status()).toEqual({ enabled: false });
    expect(await trpcFailure(callerFor(testApp, user).kong.sync())).toMatchObject({ code: 'FORBIDDEN' });
    expect(await trpcFailure(callerFor(testApp, operator).kong.diff())).toMatchObject({
      code: 'PRECONDITION_FAILED',
      message: expect.stringContaining('KONG_ADMIN_URL'),
    });
    const ready = await testApp.app.server.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).toContainEqual({ name: 'kong', ok: true, optional: true, disabled: true });

    const caller = callerFor(testApp, user);
    const project = await caller.projects.create({ slug: 'no-kong', name: 'N' });
    const key = await caller.apiKeys.create({ projectId: project.id, name: 'k' });
    const whoami = await testApp.app.server.inject({
      method: 'GET',
      url: '/api/v1/whoami',
      headers: { 'x-api-key': key.plaintext },
    });
    expect(whoami.statusCode).toBe(200);
    const service = await caller.workflows.create({
      projectId: project.id,
      name: 'settings',
      workflowType: 'w',
      taskQueue: 'q',
      workflowIdSource: { mode: 'fixed', workflowId: 's' },
    });
    const read = await caller.serviceInterfaces.create({
      serviceId: service.id,
      name: 'read',
      type: 'query',
      callableName: 'get',
    });
    const published = await caller.publicInterfaces.create({ serviceInterfaceId: read.id, method: 'GET', path: '/r' });
    expect(published.kong).toBeNull();
  });
});

describe('Kong controller on (database)', () => {
  let h: ControllerHarness;
  beforeEach(async () => {
    h = await startControllerHarness('pglite', 'db');
  });
  afterEach(async () => {
    await h.close();
  });

  it('shows health to anyone, tenant data and the plan to operators only', async () => {
    const id = await h.publish({ rateLimitPerMinute: 2 });
    await eventually(async () => (await h.statusOf(id)) === 'synced');
    const someone = callerFor(h.testApp, randomUUID());
    const seen = await someone.kong.status();
    expect(seen).toMatchObject({ enabled: true, mode: 'db', leading: true, healthy: true });
    expect(seen).not.toHaveProperty('operator');
    expect(await trpcFailure(someone.kong.diff())).toMatchObject({ code: 'FORBIDDEN' });
    expect(await trpcFailure(callerFor(h.testApp, h.owner).kong.sync())).toMatchObject({ code: 'FORBIDDEN' });

    const operator = callerFor(h.testApp, h.operator);
    expect(await operator.kong.status()).toMatchObject({
      operator: { interfaces: { synced: 1, pending: 0, error: 0 } },
    });
    await createKongAdminClient({ baseUrl: h.kong.url, retries: 0 }).routes.delete(interfaceName(id));
    const diff = await operator.kong.diff();
    expect(diff.operations).toEqual([
      expect.objectContaining({ action: 'create', kind: 'route', publicInterfaceId: id }),
      expect.objectContaining({ action: 'create', kind: 'plugin', publicInterfaceId: id }),
    ]);
    expect(h.routeOf(id)).toBeUndefined();
    expect(await operator.kong.sync()).toMatchObject({ ran: true, outcome: { writes: 2, driftRepairs: 2 } });
    expect(await operator.kong.diff()).toMatchObject({ operations: [] });
  });

  it('stays ready while Kong is down, and says the controller is unhealthy', async () => {
    await eventually(async () => h.controller.health().lastPassAt !== null);
    await h.kong.goDown();
    expect(await trpcFailure(callerFor(h.testApp, h.operator).kong.sync())).toMatchObject({ code: 'BAD_GATEWAY' });
    const ready = await h.testApp.app.server.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json().checks).toContainEqual({ name: 'kong', ok: false, optional: true });
  });
});
