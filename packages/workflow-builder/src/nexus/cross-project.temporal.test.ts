import { randomUUID } from 'node:crypto';
import { nexusEndpointName } from '@wfb/core/nexus/endpoint-name.js';
import type { CallOnceInput } from '@wfb/worker/nexus/testing/caller-test.workflow.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { eventually } from '../../test/eventually.js';
import { createNexusHarness, type NexusHarness, sourceNamespace } from '../../test/nexus-harness.js';
import { callerFor } from '../../test/test-app.js';

// One driver: Postgres when the run has one (the worker then reads as role wfb_worker).
const kind = driverKinds.at(-1) ?? 'pglite';
const timeoutMs = 20_000;

describe(`cross-project calls through Nexus on ${kind} (real Temporal dev server)`, () => {
  let harness: NexusHarness;
  let connectorId: string;
  const allowed = ['create-order', 'add-item', 'get-order', 'set-shipping-address', 'approve'];

  beforeAll(async () => {
    harness = await createNexusHarness({ kind, address: inject('temporalAddress'), slugPrefix: 'xp' });
    connectorId = await harness.connect('orders', allowed);
  });
  afterAll(async () => {
    await harness?.close();
  });

  it('starts, signals, queries and updates the target project’s service', async () => {
    const orderId = `order-${randomUUID()}`;
    const call = (op: 'start' | 'signal' | 'query' | 'update', iface: string, input?: unknown) =>
      harness.callOnce({ connector: 'orders', op, iface, workflowId: orderId, input, timeoutMs });
    expect((await call('start', 'create-order', { customer: 'ada' })).result).toEqual({ ok: true, value: 'started' });
    expect((await call('signal', 'add-item', { sku: 'sku-apple', quantity: 2 })).result).toMatchObject({ ok: true });
    const read = await call('query', 'get-order');
    expect(read.result).toMatchObject({
      ok: true,
      value: { customer: 'ada', items: [{ sku: 'sku-apple', quantity: 2 }] },
    });
    const address = { street: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
    const updated = await call('update', 'set-shipping-address', address);
    expect(updated.result).toMatchObject({ ok: true, value: { shippingAddress: address } });
  });

  it('runs a start as a workflow-run operation whose result comes back', async () => {
    await harness.connect('greeter', ['greet'], { slug: 'xp-b', service: 'greeter' });
    const { result } = await harness.callOnce({
      connector: 'greeter',
      op: 'start',
      iface: 'greet',
      workflowId: `greet-${randomUUID()}`,
      input: { name: 'Grace' },
      timeoutMs,
      awaitResult: true,
    });
    expect(result).toEqual({ ok: true, value: 'Hello, Grace!' });
  });

  describe('faults fail fast, each with its own typed error', () => {
    const orderId = `order-${randomUUID()}`;
    beforeAll(async () => {
      const client = await harness.client('wfb-test-b');
      await client.workflow.start('orderWorkflow', {
        taskQueue: harness.taskQueue,
        workflowId: orderId,
        args: [{ customer: 'faults' }],
      });
    });

    const cases: Array<[string, Omit<CallOnceInput, 'timeoutMs'>, string, string]> = [
      [
        'unknown connector name',
        { connector: 'no-such-connector', op: 'query', iface: 'get-order' },
        'not-found',
        'unknown-connector',
      ],
      [
        'disallowed interface',
        { connector: 'orders', op: 'signal', iface: 'cancel' },
        'not-allowed',
        'interface-not-allowed',
      ],
      [
        'missing target workflow',
        { connector: 'orders', op: 'query', iface: 'get-order', workflowId: 'no-such-order' },
        'not-found',
        'workflow-not-found',
      ],
      [
        'schema-invalid input',
        { connector: 'orders', op: 'signal', iface: 'add-item', input: { sku: 5 } },
        'bad-input',
        'invalid-input',
      ],
      ['rejected update', { connector: 'orders', op: 'update', iface: 'approve' }, 'bad-input', 'update-rejected'],
      [
        'interface of another type',
        { connector: 'orders', op: 'query', iface: 'add-item' },
        'bad-input',
        'wrong-operation',
      ],
      [
        'missing workflow id',
        { connector: 'orders', op: 'query', iface: 'get-order', workflowId: undefined },
        'bad-input',
        'workflow-id-required',
      ],
    ];
    it.each(cases)('%s', async (_label, input, kind, reason) => {
      const workflowId = 'workflowId' in input ? input.workflowId : orderId;
      const { result, elapsedMs } = await harness.callOnce({
        ...input,
        ...(workflowId !== undefined && { workflowId }),
        timeoutMs,
      });
      expect(result).toMatchObject({ ok: false, error: { kind, reason } });
      expect(elapsedMs).toBeLessThan(timeoutMs / 4);
    });

    it('a caller in another namespace (the endpoint of someone else’s connector)', async () => {
      const client = await harness.client('default');
      const started = performance.now();
      const outcome = await client.workflow.execute('rawEndpointCallWorkflow', {
        taskQueue: harness.taskQueue,
        workflowId: `raw-${randomUUID()}`,
        args: [{ endpoint: nexusEndpointName(sourceNamespace, 'orders'), timeoutMs }],
      });
      expect(outcome).toMatchObject({ handlerType: 'UNAUTHORIZED', reason: 'wrong-caller' });
      expect(performance.now() - started).toBeLessThan(timeoutMs / 4);
    });
  });

  it('a target nobody answers ends as a typed timeout at the caller’s bound', async () => {
    const owner = callerFor(harness.testApp, harness.admin);
    const stalled = await owner.workflows.create({
      projectId: harness.targetId,
      name: 'stalled-orders',
      workflowType: 'orderWorkflow',
      taskQueue: `nobody-polls-${randomUUID()}`,
      workflowIdSource: { mode: 'path_param', param: 'orderId' },
    });
    await owner.serviceInterfaces.create({
      serviceId: stalled.id,
      name: 'get-order',
      type: 'query',
      callableName: 'getOrder',
    });
    await harness.connect('stalled', ['get-order'], { slug: 'xp-b', service: 'stalled-orders' });
    const workflowId = `stalled-${randomUUID()}`;
    const client = await harness.client('wfb-test-b');
    await client.workflow.start('orderWorkflow', {
      taskQueue: stalled.taskQueue,
      workflowId,
      args: [{ customer: 'x' }],
    });
    const bound = 2_000;
    const { result } = await harness.callOnce({
      connector: 'stalled',
      op: 'query',
      iface: 'get-order',
      workflowId,
      timeoutMs: bound,
    });
    expect(result).toMatchObject({ ok: false, error: { kind: 'timeout', reason: 'timeout' } });
    await client.workflow.getHandle(workflowId).terminate();
  });

  it('revoke, then call: UNAUTHORIZED at once, logged and counted', async () => {
    const id = await harness.connect('revocable', ['get-order']);
    const ping = () => harness.callOnce({ connector: 'revocable', op: 'ping', timeoutMs });
    expect((await ping()).result).toMatchObject({ ok: true });
    await callerFor(harness.testApp, harness.admin).projectConnectors.revoke({ id });
    await harness.fleet.policy?.settled();
    await eventually(
      async () => (await harness.fleet.policy?.byCaller(sourceNamespace, 'revocable'))?.state === 'revoked',
    );
    const { result, elapsedMs } = await ping();
    expect(result).toMatchObject({ ok: false, error: { kind: 'not-allowed', reason: 'revoked' } });
    expect(elapsedMs).toBeLessThan(timeoutMs / 4);
    const refusal = harness.workerLogs.find((line) => line.includes('cross-project call refused') && line.includes(id));
    expect(refusal).toContain('"reason":"revoked"');
    const metrics = await harness.fleet.metrics?.registry.metrics();
    expect(metrics).toContain(`wfb_nexus_calls_total{connector="${id}",operation="ping",outcome="revoked"} 1`);
    expect(metrics).toContain(`wfb_nexus_calls_total{connector="${id}",operation="ping",outcome="ok"} 1`);
  });

  it('approve flow: a request is refused until an admin of the target approves it', async () => {
    const requester = randomUUID();
    const app = harness.testApp;
    await callerFor(app, harness.admin).projects.members.add({
      projectId: harness.sourceId,
      userId: requester,
      role: 'member',
    });
    const created = await callerFor(app, requester).projectConnectors.create({
      projectId: harness.sourceId,
      name: 'needs-approval',
      target: { projectSlug: 'xp-b', serviceName: 'orders', interfaces: ['get-order'] },
    });
    expect(created.state).toBe('pending_approval');
    await harness.fleet.policy?.settled();
    await eventually(
      async () => (await harness.fleet.policy?.byCaller(sourceNamespace, 'needs-approval')) !== undefined,
    );
    const before = await harness.callOnce({ connector: 'needs-approval', op: 'ping', timeoutMs });
    expect(before.result).toMatchObject({ ok: false, error: { kind: 'not-allowed', reason: 'pending-approval' } });
    expect(before.elapsedMs).toBeLessThan(timeoutMs / 4);
    await callerFor(app, harness.admin).projectConnectors.approve({ id: created.id });
    await harness.waitUsable(created.id);
    expect((await harness.callOnce({ connector: 'needs-approval', op: 'ping', timeoutMs })).result).toMatchObject({
      ok: true,
      value: { connectorId: created.id, namespace: 'wfb-test-b' },
    });
  });

  it('projectConnectors.test pings through the real endpoint and reports latency', async () => {
    const report = await callerFor(harness.testApp, harness.admin).projectConnectors.test({ id: connectorId });
    expect(report).toMatchObject({ ok: true, error: null });
    expect(report.latencyMs).toBeGreaterThan(0);
    expect(report.nexusLatencyMs).not.toBeNull();
  });

  it('a deleted target project turns its connectors into tombstones: UNAUTHORIZED', async () => {
    const app = harness.testApp;
    const owner = callerFor(app, harness.admin);
    const doomed = await owner.projects.create({ slug: 'xp-doomed', name: 'Doomed', temporalNamespace: 'default' });
    const service = await owner.workflows.create({
      projectId: doomed.id,
      name: 'greeter',
      workflowType: 'greeterWorkflow',
      taskQueue: harness.taskQueue,
      workflowIdSource: { mode: 'path_param', param: 'id' },
    });
    await owner.serviceInterfaces.create({ serviceId: service.id, name: 'greet', type: 'start' });
    const id = await harness.connect('doomed', ['greet'], { slug: 'xp-doomed', service: 'greeter' });
    expect((await harness.callOnce({ connector: 'doomed', op: 'ping', timeoutMs })).result).toMatchObject({ ok: true });
    await owner.projects.delete({ projectId: doomed.id });
    // The controller re-points the endpoint at the source namespace, whose handler refuses.
    await eventually(async () => (await owner.projectConnectors.get({ id })).state === 'target_deleted', {
      timeoutMs: 10_000,
    });
    await harness.waitUsable(id);
    await eventually(
      async () => {
        const { result } = await harness.callOnce({ connector: 'doomed', op: 'ping', timeoutMs });
        return !result.ok && result.error.reason === 'target-deleted';
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    const { result, elapsedMs } = await harness.callOnce({ connector: 'doomed', op: 'ping', timeoutMs });
    expect(result).toMatchObject({ ok: false, error: { kind: 'not-allowed', reason: 'target-deleted' } });
    expect(elapsedMs).toBeLessThan(timeoutMs / 4);
  });

  it('converges again after an endpoint vanished behind its back (as after a dev server restart)', async () => {
    const connection = harness.connection;
    const name = nexusEndpointName(sourceNamespace, 'orders');
    const listed = await connection.operatorService.listNexusEndpoints({ pageSize: 10, name });
    const endpoint = listed.endpoints?.[0];
    if (!endpoint?.id) throw new Error('the orders endpoint should exist');
    await connection.operatorService.deleteNexusEndpoint({ id: endpoint.id, version: endpoint.version });
    // The controller's timer pass (1 s here) recreates it.
    await eventually(
      async () =>
        ((await connection.operatorService.listNexusEndpoints({ pageSize: 10, name })).endpoints ?? []).length === 1,
      { timeoutMs: 15_000, intervalMs: 100 },
    );
    await harness.waitUsable(connectorId);
    expect((await harness.callOnce({ connector: 'orders', op: 'ping', timeoutMs })).result).toMatchObject({ ok: true });
  });
});
