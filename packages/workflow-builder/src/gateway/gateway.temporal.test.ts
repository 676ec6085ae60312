import { randomUUID } from 'node:crypto';
import type { RunningWorkers } from '@wfb/worker/run-workers.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { type GatewayHarness, orderUrl, startExampleWorkers, startGatewayHarness } from '../../test/gateway-harness.js';
import { callerFor } from '../../test/test-app.js';

// Needs Postgres/PGlite and the real Temporal dev server of the vitest global setup.
const temporalAddress = inject('temporalAddress');
const taskQueue = `gateway-e2e-${randomUUID()}`;
let workers: RunningWorkers | undefined;

beforeAll(async () => {
  workers = await startExampleWorkers(temporalAddress, taskQueue);
});
afterAll(async () => {
  await workers?.shutdown();
});

const address = { street: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

describe.each(driverKinds)('public gateway to Temporal on %s (database + Temporal)', (kind) => {
  let h: GatewayHarness;
  let key: string;

  beforeAll(async () => {
    h = await startGatewayHarness(kind, { temporalAddress, taskQueue, env: { GATEWAY_DEADLINE_MS: '2000' } });
    key = h.alpha.apiKey.plaintext;
  });
  afterAll(async () => {
    await h?.close();
  });

  it('runs an order through start 201, signal 202, query 200 and update 200 over HTTP', async () => {
    const id = `order-${randomUUID()}`;
    const started = await h.call('POST', orderUrl(h.alpha, 'createOrder', id), { key, body: { customer: 'ada' } });
    expect(started.status).toBe(201);
    expect(started.json).toEqual({ workflowId: id, runId: expect.any(String) });
    expect(started.headers.get('x-request-id')).toBeTruthy();

    const signalled = await h.call('POST', orderUrl(h.alpha, 'addItem', id), {
      key,
      body: { sku: 'sku-coffee', quantity: 2 },
    });
    expect(signalled.status).toBe(202);
    expect(signalled.json).toEqual({ workflowId: id, status: 'accepted' });

    const read = await h.call('GET', orderUrl(h.alpha, 'getOrder', id), { key });
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toContain('application/json');
    expect(read.json).toEqual({
      workflowId: id,
      result: { id, customer: 'ada', items: [{ sku: 'sku-coffee', quantity: 2 }], status: 'open' },
    });

    const addressed = await h.call('PUT', orderUrl(h.alpha, 'setShippingAddress', id), { key, body: address });
    expect(addressed.status).toBe(200);
    expect(addressed.json).toMatchObject({ workflowId: id, result: { shippingAddress: address } });
    const approved = await h.call('POST', orderUrl(h.alpha, 'approve', id), { key });
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ result: { status: 'approved', total: 17.98 } });

    const completed = await h.call('POST', orderUrl(h.alpha, 'complete', id), {
      key,
      headers: { 'content-type': 'application/json' },
    });
    expect(completed.status).toBe(202);
    const finished = await h.call('GET', orderUrl(h.alpha, 'getStatus', id), { key });
    expect(finished.json).toEqual({ workflowId: id, result: 'completed' });
  });

  it('answers 422 with the failure when the workflow rejects an update, leaving the order unchanged', async () => {
    const id = `order-${randomUUID()}`;
    expect((await h.call('POST', orderUrl(h.alpha, 'createOrder', id), { key, body: { customer: 'x' } })).status).toBe(
      201,
    );
    const refused = await h.call('PUT', orderUrl(h.alpha, 'setShippingAddress', id), {
      key,
      body: { ...address, country: 'XX' },
    });
    expect(refused.status).toBe(422);
    expect(refused.json).toMatchObject({
      code: 'UNPROCESSABLE',
      requestId: expect.any(String),
      failure: { type: 'InvalidShippingAddress', message: expect.stringContaining('country must be one of') },
    });
    const notReady = await h.call('POST', orderUrl(h.alpha, 'approve', id), { key });
    expect(notReady.status).toBe(422);
    expect(notReady.json).toMatchObject({ failure: { type: 'InvalidOrderState' } });
    const read = await h.call('GET', orderUrl(h.alpha, 'getOrder', id), { key });
    expect(read.json).toMatchObject({ result: { status: 'open' } });
    expect(read.json).not.toHaveProperty('result.shippingAddress');
  });

  it('answers 404 when the workflow does not exist, whatever the interface type', async () => {
    const id = `missing-${randomUUID()}`;
    const responses = [
      await h.call('GET', orderUrl(h.alpha, 'getOrder', id), { key }),
      await h.call('POST', orderUrl(h.alpha, 'addItem', id), { key, body: { sku: 'a', quantity: 1 } }),
      await h.call('PUT', orderUrl(h.alpha, 'setShippingAddress', id), { key, body: address }),
    ];
    for (const response of responses) {
      expect(response.status).toBe(404);
      expect(response.json).toMatchObject({ code: 'NOT_FOUND', detail: `workflow "${id}" not found` });
    }
  });

  it('makes starts safe to retry with Idempotency-Key, and 409s a second start of a running id without one', async () => {
    const idempotencyKey = `idem-${randomUUID()}`;
    const start = (body: unknown, headers: Record<string, string> = { 'idempotency-key': idempotencyKey }) =>
      h.call('POST', h.alpha.routes.createOrderAnyId.url, { key, body, headers });
    const first = await start({ customer: 'grace' });
    expect(first.status).toBe(201);
    expect(first.json.workflowId).toBe(idempotencyKey);
    const retry = await start({ customer: 'grace' });
    expect(retry.status).toBe(201);
    expect(retry.json).toEqual(first.json);
    const changed = await start({ customer: 'mallory' });
    expect(changed.status).toBe(422);
    expect(changed.json).toMatchObject({ code: 'UNPROCESSABLE', detail: expect.stringContaining('Idempotency-Key') });

    const generated = [await start({ customer: 'a' }, {}), await start({ customer: 'a' }, {})];
    expect(generated.map((response) => response.status)).toEqual([201, 201]);
    expect(generated[0]?.json.workflowId).toMatch(/^orders-[0-9a-f-]{36}$/);
    expect(generated[0]?.json.workflowId).not.toBe(generated[1]?.json.workflowId);

    const id = `order-${randomUUID()}`;
    expect((await h.call('POST', orderUrl(h.alpha, 'createOrder', id), { key, body: { customer: 'a' } })).status).toBe(
      201,
    );
    const again = await h.call('POST', orderUrl(h.alpha, 'createOrder', id), { key, body: { customer: 'a' } });
    expect(again.status).toBe(409);
    expect(again.json).toMatchObject({ code: 'CONFLICT' });
    const badKey = await start({ customer: 'a' }, { 'idempotency-key': 'has spaces' });
    expect(badKey.status).toBe(400);
  });

  it('makes updates safe to retry: the Idempotency-Key becomes the update id', async () => {
    const id = `order-${randomUUID()}`;
    await h.call('POST', orderUrl(h.alpha, 'createOrder', id), { key, body: { customer: 'b' } });
    await h.call('POST', orderUrl(h.alpha, 'addItem', id), { key, body: { sku: 'sku-apple', quantity: 1 } });
    await h.call('PUT', orderUrl(h.alpha, 'setShippingAddress', id), { key, body: address });
    const approve = (updateKey: string) =>
      h.call('POST', orderUrl(h.alpha, 'approve', id), { key, headers: { 'idempotency-key': updateKey } });
    const first = await approve('approve-1');
    expect(first.status).toBe(200);
    const retried = await approve('approve-1');
    expect(retried.status).toBe(200);
    expect(retried.json).toEqual(first.json);
    // A new update id runs the validator again, which now refuses: the order is approved.
    const fresh = await approve('approve-2');
    expect(fresh.status).toBe(422);
  });

  it('answers 400, not 500, to a body nested too deep for the payload converter, schema or not', async () => {
    const id = `order-${randomUUID()}`;
    expect((await h.call('POST', orderUrl(h.alpha, 'createOrder', id), { key, body: { customer: 'd' } })).status).toBe(
      201,
    );
    const deep = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
    for (const route of ['approve', 'complete', 'addItem'] as const) {
      const refused = await h.call('POST', orderUrl(h.alpha, route, id), { key, rawBody: deep(6_000) });
      expect(refused.status).toBe(400);
      expect(refused.json).toMatchObject({ code: 'BAD_REQUEST', detail: expect.stringContaining('128 levels') });
    }
    const shallow = await h.call('POST', orderUrl(h.alpha, 'complete', id), { key, rawBody: deep(128) });
    expect(shallow.status).toBe(202);
  });

  it('answers 504 when the workflow does not answer within the deadline (no worker on its queue)', async () => {
    const caller = callerFor(h.testApp, h.alphaOwner);
    const workflowId = `stalled-${randomUUID()}`;
    const service = await caller.workflows.create({
      projectId: h.alpha.project.id,
      name: `stalled-${kind}`,
      workflowType: 'orderWorkflow',
      taskQueue: `nobody-polls-${randomUUID()}`,
      workflowIdSource: { mode: 'fixed', workflowId },
    });
    const start = await caller.serviceInterfaces.create({ serviceId: service.id, name: 'start', type: 'start' });
    const status = await caller.serviceInterfaces.create({
      serviceId: service.id,
      name: 'status',
      type: 'query',
      callableName: 'getStatus',
    });
    const startRoute = await caller.publicInterfaces.create({
      serviceInterfaceId: start.id,
      method: 'POST',
      path: '/',
    });
    const statusRoute = await caller.publicInterfaces.create({
      serviceInterfaceId: status.id,
      method: 'GET',
      path: '/status',
    });
    const started = await h.call('POST', startRoute.url.replace(/^http:\/\/[^/]+/, h.baseUrl), {
      key,
      body: { customer: 'z' },
    });
    expect(started.json).toMatchObject({ workflowId });
    const before = Date.now();
    const stalled = await h.call('GET', statusRoute.url.replace(/^http:\/\/[^/]+/, h.baseUrl), { key });
    const elapsed = Date.now() - before;
    expect(stalled.status).toBe(504);
    expect(stalled.json).toMatchObject({ code: 'TIMEOUT', requestId: expect.any(String) });
    expect(elapsed).toBeGreaterThanOrEqual(1_900);
    expect(elapsed).toBeLessThan(3_500);
  });

  it('serves the OpenAPI document of its project to its key holders, as the tRPC procedure does', async () => {
    const response = await h.call('GET', '/api/v1/openapi/alpha.json', { key });
    expect(response.status).toBe(200);
    expect(response.json).toMatchObject({ openapi: '3.1.0', info: { title: 'Demo API' } });
    const viaTrpc = (await callerFor(h.testApp, h.alphaOwner).publicInterfaces.openapi({
      projectId: h.alpha.project.id,
    })) as { paths: Record<string, unknown> };
    const paths = Object.keys(response.json.paths as object);
    expect(paths.sort()).toEqual(Object.keys(viaTrpc.paths).sort());
    const createPath = `/${h.alpha.routes.createOrder.url.split('/api/v1/')[1]}`;
    expect(paths).toContain(createPath);
    expect((await h.call('GET', '/api/v1/openapi/beta.json', { key })).status).toBe(404);
    expect((await h.call('GET', '/api/v1/openapi/alpha.json')).status).toBe(401);
  });

  it('exports Prometheus metrics: requests by interface and status, latency, key verifications', async () => {
    const response = await fetch(`${h.baseUrl}/metrics`);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    const addItem = h.alpha.routes.addItem.id;
    expect(text).toMatch(
      new RegExp(
        `wfb_gateway_requests_total\\{project="alpha",interface="${addItem}",type="signal",status="202"\\} [1-9]`,
      ),
    );
    expect(text).toMatch(/wfb_gateway_requests_total\{[^}]*status="404"\} [1-9]/);
    expect(text).toMatch(/wfb_gateway_request_duration_seconds_count\{[^}]*type="query"[^}]*\} [1-9]/);
    expect(text).toMatch(/wfb_api_key_verifications_total\{result="valid"\} [1-9]/);
    expect(text).toContain('wfb_process_resident_memory_bytes');
  });
});
