import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { eventually } from '../../test/eventually.js';
import { startTcpProxy, type TcpProxy } from '../../test/tcp-proxy.js';
import { callerFor, createTestApp, type TestApp } from '../../test/test-app.js';

const kind = driverKinds.at(-1) ?? 'pglite';

/**
 * The controller against the real operator service behind a proxy that can stall the gRPC
 * connection: while Temporal is unreachable a new connector stays `pending` and the
 * controller reports itself unhealthy; once it is reachable again the connector converges
 * without anyone asking.
 */
describe(`nexus controller while the operator service is unreachable on ${kind}`, () => {
  let proxy: TcpProxy;
  let testApp: TestApp;
  const admin = randomUUID();
  let sourceId: string;

  beforeAll(async () => {
    const [host = '127.0.0.1', port = '7233'] = inject('temporalAddress').split(':');
    proxy = await startTcpProxy({ host, port: Number(port) });
    testApp = await createTestApp(kind, {
      TEMPORAL_ADDRESS: `127.0.0.1:${proxy.port}`,
      NEXUS_ENDPOINT_SCOPE: `outage-${randomUUID().slice(0, 8)}`,
      NEXUS_CONTROLLER_INTERVAL_MS: '1000',
    });
    const caller = callerFor(testApp, admin);
    sourceId = (await caller.projects.create({ slug: 'outage-a', name: 'A', temporalNamespace: 'wfb-test-a' })).id;
    const targetId = (await caller.projects.create({ slug: 'outage-b', name: 'B', temporalNamespace: 'wfb-test-b' }))
      .id;
    const service = await caller.workflows.create({
      projectId: targetId,
      name: 'ledger',
      workflowType: 'ledgerWorkflow',
      taskQueue: 'q',
      workflowIdSource: { mode: 'fixed', workflowId: 'ledger' },
    });
    await caller.serviceInterfaces.create({ serviceId: service.id, name: 'read', type: 'query', callableName: 'read' });
  });
  afterAll(async () => {
    proxy?.thaw();
    await testApp?.close();
    await proxy?.close();
  });

  const create = (name: string) =>
    callerFor(testApp, admin).projectConnectors.create({
      projectId: sourceId,
      name,
      target: { projectSlug: 'outage-b', serviceName: 'ledger', interfaces: ['read'] },
    });
  const status = async (id: string) => (await callerFor(testApp, admin).projectConnectors.get({ id })).endpoint.status;

  it('keeps a new connector pending during the outage and converges after it', async () => {
    const nexus = testApp.app.nexus;
    if (!nexus) throw new Error('the app runs without Temporal');
    const before = await create('before-outage');
    await eventually(async () => (await status(before.id)) === 'synced', { timeoutMs: 15_000 });

    // Every byte to and from Temporal stops; calls run into their deadlines.
    proxy.freeze('');
    const during = await create('during-outage');
    await eventually(async () => !nexus.status().healthy, { timeoutMs: 30_000, intervalMs: 100 });
    expect(await status(during.id)).toBe('pending');

    proxy.thaw();
    await eventually(async () => (await status(during.id)) === 'synced', { timeoutMs: 45_000, intervalMs: 200 });
    expect(nexus.status().healthy).toBe(true);
    expect(await status(before.id)).toBe('synced');
  });
});
