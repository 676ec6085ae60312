import { randomUUID } from 'node:crypto';
import type { RunningWorkers } from '@wfb/worker/run-workers.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import {
  type GatewayHarness,
  type GatewayResponse,
  orderUrl,
  startExampleWorkers,
  startGatewayHarness,
  startSecondInstance,
} from '../../test/gateway-harness.js';

/**
 * Idempotency-Key (IETF draft-ietf-httpapi-idempotency-key-header, as Stripe does it): the same
 * key with the same request replays the first result; the same key with a different request
 * is a 422, never the first result passed off as the answer to the second. Two instances on
 * one database must agree, so the fingerprint lives in the database, not in a process.
 */
const temporalAddress = inject('temporalAddress');
const taskQueue = `idempotency-${randomUUID()}`;
let workers: RunningWorkers | undefined;

beforeAll(async () => {
  workers = await startExampleWorkers(temporalAddress, taskQueue);
});
afterAll(async () => {
  await workers?.shutdown();
});

const address = { street: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

function expectReuseRefused(response: GatewayResponse): void {
  expect(response.status).toBe(422);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  expect(response.json).toMatchObject({
    code: 'UNPROCESSABLE',
    detail: expect.stringContaining('Idempotency-Key'),
    requestId: expect.any(String),
  });
}

describe.each(driverKinds)('Idempotency-Key reused with another request on %s (database + Temporal)', (kind) => {
  let h: GatewayHarness;
  let second: Awaited<ReturnType<typeof startSecondInstance>>;
  let key: string;

  beforeAll(async () => {
    h = await startGatewayHarness(kind, { temporalAddress, taskQueue, env: { GATEWAY_DEADLINE_MS: '10000' } });
    second = await startSecondInstance(h, { temporalAddress, env: { GATEWAY_DEADLINE_MS: '10000' } });
    key = h.alpha.apiKey.plaintext;
  });
  afterAll(async () => {
    await second?.close();
    await h?.close();
  });

  const newOrder = async () => {
    const id = `order-${randomUUID()}`;
    const created = await h.call('POST', orderUrl(h.alpha, 'createOrder', id), { key, body: { customer: 'ada' } });
    expect(created.status).toBe(201);
    return id;
  };

  it('answers 422 to an update whose key came with other arguments, here and on the other instance', async () => {
    const id = await newOrder();
    const setAddress = (via: GatewayHarness['call'], body: unknown, updateKey: string) =>
      via('PUT', orderUrl(h.alpha, 'setShippingAddress', id), { key, body, headers: { 'idempotency-key': updateKey } });
    const updateKey = `address-${randomUUID()}`;
    const first = await setAddress(h.call, address, updateKey);
    expect(first.status).toBe(200);
    expectReuseRefused(await setAddress(h.call, { ...address, city: 'Shelbyville' }, updateKey));
    expectReuseRefused(await setAddress(second.call, { ...address, city: 'Ogdenville' }, updateKey));
    const replayed = await setAddress(second.call, address, updateKey);
    expect(replayed.status).toBe(200);
    expect(replayed.json).toEqual(first.json);
    const read = await h.call('GET', orderUrl(h.alpha, 'getOrder', id), { key });
    expect(read.json).toMatchObject({ result: { shippingAddress: address } });
  });

  it('answers 422 to a start whose key came with another order id, while the first run is running', async () => {
    const startKey = `start-${randomUUID()}`;
    const start = (via: GatewayHarness['call'], id: string, body: unknown) =>
      via('POST', orderUrl(h.alpha, 'createOrder', id), { key, body, headers: { 'idempotency-key': startKey } });
    const firstId = `order-${randomUUID()}`;
    const first = await start(h.call, firstId, { customer: 'ada' });
    expect(first.status).toBe(201);
    const otherId = `order-${randomUUID()}`;
    expectReuseRefused(await start(h.call, otherId, { customer: 'ada' }));
    expectReuseRefused(await start(second.call, otherId, { customer: 'ada' }));
    expect((await h.call('GET', orderUrl(h.alpha, 'getStatus', otherId), { key })).status).toBe(404);
    const replayed = await start(second.call, firstId, { customer: 'ada' });
    expect(replayed.status).toBe(201);
    expect(replayed.json).toEqual(first.json);
  });

  it('lets two instances racing with one key and different bodies agree: one request wins, the other is a 422', async () => {
    const id = await newOrder();
    const updateKey = `race-${randomUUID()}`;
    const cities = ['Springfield', 'Shelbyville'];
    const responses = await Promise.all(
      cities.map((city, index) =>
        (index === 0 ? h.call : second.call)('PUT', orderUrl(h.alpha, 'setShippingAddress', id), {
          key,
          body: { ...address, city },
          headers: { 'idempotency-key': updateKey },
        }),
      ),
    );
    expect(responses.map((response) => response.status).sort()).toEqual([200, 422]);
    const winner = responses.find((response) => response.status === 200);
    const read = await h.call('GET', orderUrl(h.alpha, 'getOrder', id), { key });
    expect(read.json).toMatchObject({ result: winner?.json.result });
  });

  it('treats the same JSON with its keys in another order as the same request', async () => {
    const id = await newOrder();
    const updateKey = `order-of-keys-${randomUUID()}`;
    const reordered = { country: 'US', postalCode: '12345', city: 'Springfield', street: '1 Main St' };
    const call = (body: unknown) =>
      h.call('PUT', orderUrl(h.alpha, 'setShippingAddress', id), {
        key,
        body,
        headers: { 'idempotency-key': updateKey },
      });
    const first = await call(address);
    const again = await call(reordered);
    expect([first.status, again.status]).toEqual([200, 200]);
    expect(again.json).toEqual(first.json);
  });

  it('writes nothing for calls without the header', async () => {
    const count = async () =>
      (await sql<{ n: number }>`select count(*)::int as n from idempotency_keys`.execute(h.testApp.database.db)).rows[0]
        ?.n;
    const before = await count();
    const id = await newOrder();
    const updated = await h.call('PUT', orderUrl(h.alpha, 'setShippingAddress', id), { key, body: address });
    expect(updated.status).toBe(200);
    expect(await count()).toBe(before);
  });
});
