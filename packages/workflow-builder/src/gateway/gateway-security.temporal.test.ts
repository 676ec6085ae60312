import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { RunningWorkers } from '@wfb/worker/run-workers.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { eventually } from '../../test/eventually.js';
import {
  type GatewayHarness,
  type GatewayResponse,
  orderUrl,
  startExampleWorkers,
  startGatewayHarness,
} from '../../test/gateway-harness.js';
import { callerFor } from '../../test/test-app.js';
import { generateApiKey } from '../domain/api-keys/api-key-format.js';

// Needs Postgres/PGlite and the real Temporal dev server of the vitest global setup.
const temporalAddress = inject('temporalAddress');
const taskQueue = `gateway-security-${randomUUID()}`;
let workers: RunningWorkers | undefined;

beforeAll(async () => {
  workers = await startExampleWorkers(temporalAddress, taskQueue);
});
afterAll(async () => {
  await workers?.shutdown();
});

/** A problem body without its per-request id, to compare rejections with each other. */
function shape(response: GatewayResponse) {
  const { requestId, ...rest } = response.json;
  expect(requestId).toEqual(expect.any(String));
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  return { status: response.status, ...rest };
}

describe.each(driverKinds)('public gateway guards on %s (database + Temporal)', (kind) => {
  let h: GatewayHarness;
  let key: string;
  let orderId: string;

  beforeAll(async () => {
    h = await startGatewayHarness(kind, { temporalAddress, taskQueue, env: { GATEWAY_BODY_LIMIT_BYTES: '2048' } });
    key = h.alpha.apiKey.plaintext;
    orderId = `order-${randomUUID()}`;
    const started = await h.call('POST', orderUrl(h.alpha, 'createOrder', orderId), { key, body: { customer: 'a' } });
    expect(started.status).toBe(201);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('answers 401 with one body for a missing, malformed, unknown or revoked key, before any routing', async () => {
    const caller = callerFor(h.testApp, h.alphaOwner);
    const revoked = await caller.apiKeys.create({ projectId: h.alpha.project.id, name: 'to-revoke' });
    await caller.apiKeys.revoke({ id: revoked.key.id });
    const url = orderUrl(h.alpha, 'getOrder', orderId);
    const rejections = [
      await h.call('GET', url),
      await h.call('GET', url, { key: 'garbage' }),
      await h.call('GET', url, { key: generateApiKey('test').plaintext }),
      await h.call('GET', url, { key: revoked.plaintext }),
      await h.call('GET', '/api/v1/0000000000000000/nothing', { key: 'garbage' }),
      await h.call('POST', orderUrl(h.alpha, 'addItem', orderId), { rawBody: 'x'.repeat(10_000) }),
    ];
    const shapes = rejections.map(shape);
    expect(new Set(shapes.map((entry) => JSON.stringify(entry))).size).toBe(1);
    expect(shapes[0]).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
  });

  it("keeps a key of one project away from another's interfaces: 404, the same as an unknown hash", async () => {
    const unknown = await h.call('GET', '/api/v1/0000000000000000/orders/x', { key });
    const alphaFromBeta = await h.call('GET', orderUrl(h.alpha, 'getOrder', orderId), { key: h.beta.apiKey.plaintext });
    const betaFromAlpha = await h.call('GET', orderUrl(h.beta, 'getOrder', orderId), { key });
    const betaStart = await h.call('POST', orderUrl(h.beta, 'createOrder', `order-${randomUUID()}`), {
      key,
      body: { customer: 'intruder' },
    });
    const shapes = [unknown, alphaFromBeta, betaFromAlpha, betaStart].map(shape);
    expect(new Set(shapes.map((entry) => JSON.stringify(entry))).size).toBe(1);
    expect(shapes[0]).toMatchObject({ status: 404, code: 'NOT_FOUND' });
    const openapi = await h.call('GET', `/api/v1/openapi/alpha.json`, { key: h.beta.apiKey.plaintext });
    expect(openapi.status).toBe(404);
  });

  it('answers 403 when a key scoped to one interface calls another of its project', async () => {
    const caller = callerFor(h.testApp, h.alphaOwner);
    const scoped = await caller.apiKeys.create({
      projectId: h.alpha.project.id,
      name: 'scoped',
      publicInterfaceId: h.alpha.routes.addItem.id,
    });
    const denied = await h.call('GET', orderUrl(h.alpha, 'getOrder', orderId), { key: scoped.plaintext });
    expect(denied.status).toBe(403);
    expect(denied.json).toMatchObject({ code: 'FORBIDDEN' });
    const allowed = await h.call('POST', orderUrl(h.alpha, 'addItem', orderId), {
      key: scoped.plaintext,
      body: { sku: 'sku-apple', quantity: 1 },
    });
    expect(allowed.status).toBe(202);
    const foreign = await h.call('GET', orderUrl(h.beta, 'getOrder', orderId), { key: scoped.plaintext });
    expect(foreign.status).toBe(404);
    const document = await h.call('GET', '/api/v1/openapi/alpha.json', { key: scoped.plaintext });
    const hash = h.alpha.routes.addItem.url.split('/api/v1/')[1]?.split('/')[0];
    expect(Object.keys(document.json.paths as object)).toEqual([`/${hash}/orders/{orderId}/items`]);
  });

  it('answers 405 with Allow for another method and 404 for another path under a known hash', async () => {
    const wrongMethod = await h.call('DELETE', orderUrl(h.alpha, 'getOrder', orderId), { key });
    expect(wrongMethod.status).toBe(405);
    expect(wrongMethod.headers.get('allow')).toBe('GET');
    expect(wrongMethod.json).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    const wrongPath = await h.call('GET', `${orderUrl(h.alpha, 'getOrder', orderId)}/extra`, { key });
    expect(wrongPath.status).toBe(404);
    const badEncoding = await h.call('GET', orderUrl(h.alpha, 'getOrder', '%E0%A4%A'), { key });
    expect(badEncoding.status).toBe(404);
  });

  it('refuses schema-invalid bodies with 400 and the failing paths, before Temporal is called', async () => {
    const missing = `missing-${randomUUID()}`;
    // The workflow does not exist: a 400 (not 404) shows Temporal was never asked.
    const invalid = await h.call('POST', orderUrl(h.alpha, 'addItem', missing), {
      key,
      body: { sku: '', quantity: 'two', colour: 'red' },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json).toMatchObject({ code: 'BAD_REQUEST' });
    const paths = (invalid.json.errors as Array<{ path: string }>).map((error) => error.path).sort();
    expect(paths).toEqual(['', '/quantity', '/sku']);
    const noBody = await h.call('POST', orderUrl(h.alpha, 'addItem', missing), { key });
    expect(noBody.status).toBe(400);

    const startInvalid = await h.call('POST', orderUrl(h.alpha, 'createOrder', missing), { key, body: {} });
    expect(startInvalid.status).toBe(400);
    expect(startInvalid.json.errors).toEqual([
      { path: '/customer', message: "must have required property 'customer'" },
    ]);
    expect((await h.call('GET', orderUrl(h.alpha, 'getOrder', missing), { key })).status).toBe(404);
  });

  it('answers 400 for invalid JSON or another content type and 413 for a body over the limit', async () => {
    const url = orderUrl(h.alpha, 'addItem', orderId);
    const broken = await h.call('POST', url, { key, rawBody: '{"sku": ' });
    expect(broken.status).toBe(400);
    expect(broken.json).toMatchObject({ code: 'BAD_REQUEST', requestId: expect.any(String) });
    const text = await h.call('POST', url, { key, rawBody: 'sku=a', headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(400);
    const huge = await h.call('POST', url, { key, body: { sku: 'x'.repeat(4_096), quantity: 1 } });
    expect(huge.status).toBe(413);
    expect(huge.json).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', requestId: expect.any(String) });
  });

  it('coerces and validates query-string input of GET interfaces', async () => {
    const caller = callerFor(h.testApp, h.alphaOwner);
    const checked = await caller.serviceInterfaces.create({
      serviceId: h.alpha.service.id,
      name: `checked-status-${kind}`,
      type: 'query',
      callableName: 'getStatus',
      inputSchema: { type: 'object', properties: { verbose: { type: 'boolean' } }, additionalProperties: false },
    });
    const route = await caller.publicInterfaces.create({
      serviceInterfaceId: checked.id,
      method: 'GET',
      path: '/orders/{orderId}/checked-status',
    });
    const url = route.url.replace(/^http:\/\/[^/]+/, h.baseUrl).replace('{orderId}', orderId);
    expect((await h.call('GET', `${url}?verbose=true`, { key })).json).toEqual({ workflowId: orderId, result: 'open' });
    const wrongType = await h.call('GET', `${url}?verbose=maybe`, { key });
    expect(wrongType.status).toBe(400);
    expect(wrongType.json.errors).toEqual([{ path: '/verbose', message: 'must be boolean' }]);
    expect((await h.call('GET', `${url}?other=1`, { key })).status).toBe(400);
  });

  it('limits per key and per interface atomically: a refusal by one costs nothing from the other', async () => {
    const caller = callerFor(h.testApp, h.alphaOwner);
    const status = (await caller.serviceInterfaces.list({ projectId: h.alpha.project.id })).find(
      (candidate) => candidate.name === 'get-status',
    );
    if (!status) throw new Error('get-status interface missing');
    const limited = await caller.publicInterfaces.create({
      serviceInterfaceId: status.id,
      method: 'GET',
      path: '/orders/{orderId}/limited-status',
      rateLimitPerMinute: 1,
    });
    const tight = await caller.apiKeys.create({ projectId: h.alpha.project.id, name: 'tight', rateLimitPerMinute: 3 });
    const limitedUrl = limited.url.replace(/^http:\/\/[^/]+/, h.baseUrl).replace('{orderId}', orderId);
    const readUrl = orderUrl(h.alpha, 'getOrder', orderId);
    const statuses = [
      (await h.call('GET', limitedUrl, { key: tight.plaintext })).status,
      (await h.call('GET', limitedUrl, { key: tight.plaintext })).status,
      (await h.call('GET', readUrl, { key: tight.plaintext })).status,
      (await h.call('GET', readUrl, { key: tight.plaintext })).status,
    ];
    expect(statuses).toEqual([200, 429, 200, 200]);
    const keyLimited = await h.call('GET', readUrl, { key: tight.plaintext });
    expect(keyLimited.status).toBe(429);
    expect(keyLimited.json).toMatchObject({ code: 'TOO_MANY_REQUESTS', scope: 'key' });
    expect(Number(keyLimited.headers.get('retry-after'))).toBeGreaterThan(0);
    const interfaceLimited = await h.call('GET', limitedUrl, { key });
    expect(interfaceLimited.json).toMatchObject({ code: 'TOO_MANY_REQUESTS', scope: 'interface' });
    const metrics = await (await fetch(`${h.baseUrl}/metrics`)).text();
    expect(metrics).toMatch(/wfb_rate_limit_rejections_total\{scope="interface"\} [1-9]/);
    expect(metrics).toMatch(/wfb_rate_limit_rejections_total\{scope="key"\} [1-9]/);
  });

  it("reaches through a path parameter only workflows of the service's own type", async () => {
    // Another service's workflow in the same namespace, with handlers of the same names.
    const connection = await Connection.connect({ address: temporalAddress });
    const paymentId = `payment-${randomUUID()}`;
    try {
      const temporal = new Client({ connection, namespace: 'wfb-test-a' });
      await temporal.workflow.start('paymentWorkflow', {
        taskQueue: `unpolled-${randomUUID()}`,
        workflowId: paymentId,
      });
      const signal = await h.call('POST', orderUrl(h.alpha, 'addItem', paymentId), {
        key,
        body: { sku: 'sku-apple', quantity: 1 },
      });
      const read = await h.call('GET', orderUrl(h.alpha, 'getOrder', paymentId), { key });
      for (const response of [signal, read]) {
        expect(response.status).toBe(404);
        expect(response.json).toMatchObject({ code: 'NOT_FOUND' });
      }
      const history = await temporal.workflow.getHandle(paymentId).fetchHistory();
      const signalled = (history.events ?? []).some((event) => event.workflowExecutionSignaledEventAttributes);
      expect(signalled).toBe(false);
      await temporal.workflow.getHandle(paymentId).terminate('test over');
    } finally {
      await connection.close();
    }
    // The service's own workflows are still reached.
    expect((await h.call('GET', orderUrl(h.alpha, 'getOrder', orderId), { key })).status).toBe(200);
  });

  it('follows changes at once: a disabled interface is 404, a deleted one takes its scoped keys along', async () => {
    const caller = callerFor(h.testApp, h.alphaOwner);
    const url = orderUrl(h.alpha, 'getStatus', orderId);
    await caller.publicInterfaces.update({ id: h.alpha.routes.getStatus.id, enabled: false });
    await eventually(async () => (await h.call('GET', url, { key })).status === 404, { intervalMs: 25 });
    await caller.publicInterfaces.update({ id: h.alpha.routes.getStatus.id, enabled: true });
    await eventually(async () => (await h.call('GET', url, { key })).status === 200, { intervalMs: 25 });

    const scoped = await caller.apiKeys.create({
      projectId: h.alpha.project.id,
      name: 'scoped-to-complete',
      publicInterfaceId: h.alpha.routes.complete.id,
    });
    const removed = await caller.publicInterfaces.delete({ id: h.alpha.routes.complete.id });
    expect(removed).toMatchObject({ deleted: true, scopedKeysDeleted: 1 });
    await eventually(
      async () => (await h.call('POST', orderUrl(h.alpha, 'complete', orderId), { key })).status === 404,
      { intervalMs: 25 },
    );
    const orphan = await h.call('POST', orderUrl(h.alpha, 'complete', orderId), { key: scoped.plaintext });
    expect(orphan.status).toBe(401);
  });
});
