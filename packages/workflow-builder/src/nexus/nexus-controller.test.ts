import { randomUUID } from 'node:crypto';
import { createLogger } from '@wfb/core/logger.js';
import { nexusEndpointName } from '@wfb/core/nexus/endpoint-name.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { eventually } from '../../test/eventually.js';
import { callerFor, createTestApp, type TestApp } from '../../test/test-app.js';
import { createNexusController, type NexusController } from './nexus-controller.js';
import { createFakeEndpoints, type FakeEndpoints } from './testing/fake-endpoints.js';

const day = 24 * 3600 * 1000;

/** The controller's pass against a fake operator service (end-to-end tests use the real one). */
describe.each(driverKinds)('nexus endpoint controller on %s (database, fake operator service)', (kind) => {
  let testApp: TestApp;
  let fake: FakeEndpoints;
  let controller: NexusController;
  let now = Date.now();
  const admin = randomUUID();
  let sourceId: string;
  let targetId: string;

  beforeAll(async () => {
    testApp = await createTestApp(kind);
    const caller = callerFor(testApp, admin);
    sourceId = (await caller.projects.create({ slug: 'ctl-src', name: 'S' })).id;
    targetId = (await caller.projects.create({ slug: 'ctl-tgt', name: 'T' })).id;
    const service = await caller.workflows.create({
      projectId: targetId,
      name: 'ledger',
      workflowType: 'ledgerWorkflow',
      taskQueue: 'q',
      workflowIdSource: { mode: 'fixed', workflowId: 'ledger' },
    });
    await caller.serviceInterfaces.create({ serviceId: service.id, name: 'read', type: 'query', callableName: 'read' });
  });

  async function startController() {
    // Tombstones are dated by the database clock; retention is judged by this one.
    now = Date.now();
    fake = createFakeEndpoints(['wfb-ctl-src', 'wfb-ctl-tgt']);
    controller = createNexusController({
      database: testApp.database,
      logger: createLogger({ level: 'silent' }),
      endpoints: fake,
      scope: 'test',
      taskQueue: 'wfb-nexus',
      tombstoneRetentionMs: 7 * day,
      // Passes run when the test asks; the timer and NOTIFY must not race it.
      intervalMs: 3_600_000,
      debounceMs: 3_600_000,
      backoffInitialMs: 3_600_000,
      clock: () => now,
    });
    await controller.start();
    await eventually(async () => controller.status().leading);
  }

  afterEach(async () => {
    await controller.stop();
  });
  afterAll(async () => {
    await testApp.close();
  });

  const connector = (name: string) =>
    callerFor(testApp, admin).projectConnectors.create({
      projectId: sourceId,
      name,
      target: { projectSlug: 'ctl-tgt', serviceName: 'ledger', interfaces: ['read'] },
    });
  const view = (id: string) => callerFor(testApp, admin).projectConnectors.get({ id });
  const endpointNamed = (name: string) => [...fake.endpoints.values()].find((endpoint) => endpoint.name === name);

  it('creates, tombstones on revoke, removes after retention; statuses follow', async () => {
    await startController();
    const created = await connector(`active-${kind}`);
    const name = nexusEndpointName('wfb-ctl-src', `active-${kind}`);
    expect(await controller.runNow()).toMatchObject({ created: 1, errors: 0 });
    expect(endpointNamed(name)).toMatchObject({ namespace: 'wfb-ctl-tgt', taskQueue: 'wfb-nexus' });
    expect((await view(created.id)).endpoint).toMatchObject({ name, status: 'synced', error: null });
    expect(await controller.runNow()).toMatchObject({ writes: 0 });

    await callerFor(testApp, admin).projectConnectors.revoke({ id: created.id });
    expect(await controller.runNow()).toMatchObject({ updated: 1 });
    expect(endpointNamed(name)?.description?.state).toBe('tombstone');
    expect((await view(created.id)).endpoint.status).toBe('synced');

    now += 8 * day;
    expect(await controller.runNow()).toMatchObject({ deleted: 1 });
    expect(endpointNamed(name)).toBeUndefined();
    expect((await view(created.id)).endpoint).toMatchObject({ status: 'absent' });
  });

  it('purges a deleted connector after retention and never touches a foreign endpoint', async () => {
    await startController();
    fake.plant({ id: 'foreign', name: 'someone-elses', namespace: 'x', taskQueue: 'y', description: undefined });
    const created = await connector(`deleted-${kind}`);
    await controller.runNow();
    await callerFor(testApp, admin).projectConnectors.delete({ id: created.id });
    await controller.runNow();
    expect(endpointNamed(nexusEndpointName('wfb-ctl-src', `deleted-${kind}`))?.description?.state).toBe('tombstone');
    now += 8 * day;
    expect(await controller.runNow()).toMatchObject({ deleted: 1, purged: 1 });
    const row = await testApp.database.db
      .selectFrom('project_connectors')
      .select('id')
      .where('id', '=', created.id)
      .executeTakeFirst();
    expect(row).toBeUndefined();
    expect(fake.endpoints.get('foreign')).toBeDefined();
  });

  it('reports a refused endpoint as that connector’s error with the server’s message', async () => {
    await startController();
    fake.namespaces.delete('wfb-ctl-tgt');
    const created = await connector(`missing-ns-${kind}`);
    expect(await controller.runNow()).toMatchObject({ errors: 1 });
    expect((await view(created.id)).endpoint).toMatchObject({
      status: 'error',
      error: 'Namespace not found: "wfb-ctl-tgt"',
    });
    fake.namespaces.add('wfb-ctl-tgt');
    expect(await controller.runNow()).toMatchObject({ errors: 0 });
    expect((await view(created.id)).endpoint).toMatchObject({ status: 'synced', error: null });
  });

  it('fails the pass while Temporal is unreachable, leaving new connectors pending, then converges', async () => {
    await startController();
    fake.failAll = 14;
    const created = await connector(`outage-${kind}`);
    await expect(controller.runNow()).rejects.toMatchObject({ code: 14 });
    expect(controller.status()).toMatchObject({ healthy: false, consecutiveFailures: 1 });
    expect((await view(created.id)).endpoint.status).toBe('pending');
    fake.failAll = undefined;
    await controller.runNow();
    expect((await view(created.id)).endpoint.status).toBe('synced');
    expect(controller.status().healthy).toBe(true);
  });

  it('recreates an endpoint deleted behind its back (drift), and adopts one of ours it finds', async () => {
    await startController();
    const created = await connector(`drift-${kind}`);
    await controller.runNow();
    const name = nexusEndpointName('wfb-ctl-src', `drift-${kind}`);
    const first = endpointNamed(name);
    if (first) fake.endpoints.delete(first.id);
    expect(await controller.runNow()).toMatchObject({ created: 1 });
    expect((await view(created.id)).endpoint.status).toBe('synced');

    // Fresh controller state, endpoints already there: it adopts instead of failing on a duplicate.
    await controller.stop();
    const existing = [...fake.endpoints.values()];
    await startController();
    for (const endpoint of existing) fake.endpoints.set(endpoint.id, endpoint);
    expect(await controller.runNow()).toMatchObject({ created: 0, errors: 0 });
  });
});
