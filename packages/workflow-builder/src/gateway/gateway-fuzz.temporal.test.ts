import { randomUUID } from 'node:crypto';
import type { RunningWorkers } from '@wfb/worker/run-workers.js';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, inject, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { anyString, headerValue, nastyJson, rawJsonText } from '../../test/fuzz/fuzz-values.js';
import { type GatewayHarness, startExampleWorkers, startGatewayHarness } from '../../test/gateway-harness.js';

/**
 * Property: whatever reaches /api/v1 over a real socket (any method, path, API key,
 * Idempotency-Key, content type and body a client can put on the wire), the answer is never
 * a 5xx, and every 4xx is a problem body with its code and a reason. Calls on the demo's
 * routes reach the real Temporal dev server and example workers; seeded, so a failure
 * replays. FUZZ_SEED and FUZZ_RUNS widen a local run.
 */
const temporalAddress = inject('temporalAddress');
const taskQueue = `gateway-fuzz-${randomUUID()}`;
const seed = Number(process.env.FUZZ_SEED ?? 20261201);
const numRuns = Number(process.env.FUZZ_RUNS ?? 60);
let workers: RunningWorkers | undefined;

beforeAll(async () => {
  workers = await startExampleWorkers(temporalAddress, taskQueue);
});
afterAll(async () => {
  await workers?.shutdown();
});

/** A path segment: plain, percent-encoded nastiness, or raw characters fetch will encode. */
const segment = fc.oneof(
  fc.constantFrom('order-1', 'x', '..', '.', '', '%00', '%ZZ', '%F0%9F', '%ED%A0%80', '%2F', 'a;b', 'x'.repeat(300)),
  fc.string({ maxLength: 12 }).map(encodeURIComponent),
  // A lone surrogate cannot be percent-encoded: it goes on the wire as the UTF-8 bytes of one.
  anyString.map((text) =>
    encodeURIComponent(text.slice(0, 200).replace(/[\uD800-\uDFFF]/gu, '\uFFFD')).replaceAll('%EF%BF%BD', '%ED%A0%80'),
  ),
);

const query = fc.oneof(
  fc.constant(''),
  fc.constantFrom('?customer=ada', '?a=1&a=2', '?__proto__[x]=1', '?%00=%00', '?a[b][c]=d', '?=', '?&&'),
  fc.dictionary(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), { maxKeys: 3 }).map((params) => {
    const text = new URLSearchParams(params).toString();
    return text ? `?${text}` : '';
  }),
);

const method = fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'FOO');
const contentType = fc.constantFrom(
  'application/json',
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/problem+json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json;;;',
  '',
);

/** Valid bodies of the demo routes, by route key; routes not listed take none. */
const validBodies: Record<string, string> = {
  createOrder: '{"customer":"ada"}',
  createOrderAnyId: '{"customer":"grace"}',
  addItem: '{"sku":"sku-apple","quantity":1}',
  setShippingAddress: '{"street":"1 Main St","city":"Springfield","postalCode":"12345","country":"US"}',
};

/** Bodies a route should refuse, and text that is not JSON at all. */
const badBody = fc.oneof(
  fc.constantFrom(...Object.values(validBodies)),
  nastyJson.map((value) => JSON.stringify(value) ?? 'null'),
  rawJsonText,
);

/** Mostly `good`, now and then `bad`: most requests differ from a valid call in one or two places. */
function mostly<T, U>(good: fc.Arbitrary<T>, bad: fc.Arbitrary<U>): fc.Arbitrary<T | U> {
  return fc.oneof({ arbitrary: good, weight: 4 }, { arbitrary: bad, weight: 1 });
}

describe.each(driverKinds)('/api/v1 under random requests on %s (database + Temporal)', (kind) => {
  let h: GatewayHarness;

  beforeAll(async () => {
    h = await startGatewayHarness(kind, { temporalAddress, taskQueue, env: { GATEWAY_DEADLINE_MS: '10000' } });
  });
  afterAll(async () => {
    await h?.close();
  });

  /** A valid call of a seeded route (alpha's, with alpha's key), then mutated in any part. */
  function request() {
    const alpha = h.alpha.apiKey.plaintext;
    const pathOf = (url: string) => url.replace(/^https?:\/\/[^/]+/, '');
    const routes = Object.entries(h.alpha.routes).map(([key, route]) => ({
      method: route.method,
      template: pathOf(route.url),
      body: validBodies[key],
    }));
    const otherPaths = [
      ...Object.values(h.beta.routes).map((route) => pathOf(route.url)),
      '/api/v1/whoami',
      '/api/v1/openapi/alpha.json',
      '/api/v1/openapi/{orderId}.json',
      '/api/v1/{orderId}',
      '/api/v1/{orderId}/{orderId}',
      '/api/v1',
    ];
    const key = mostly(
      fc.constant(alpha),
      fc.oneof(
        fc.constantFrom(h.beta.apiKey.plaintext, `${alpha}, ${alpha}`, `${alpha} `, alpha.slice(0, -1), undefined, ''),
        headerValue,
      ),
    );
    return fc.constantFrom(...routes).chain((route) =>
      fc.record({
        method: mostly(fc.constant(route.method), method),
        template: mostly(fc.constant(route.template), fc.constantFrom(...otherPaths)),
        segment: mostly(fc.constantFrom('order-1', 'order-2', 'order-3'), segment),
        query: mostly(fc.constant(''), query),
        key,
        idempotencyKey: mostly(fc.constantFrom(undefined, 'k-1', 'k-2'), headerValue),
        contentType: mostly(fc.constant('application/json'), contentType),
        body: mostly(fc.constant(route.body), badBody),
      }),
    );
  }

  it('never answers 5xx, and every 4xx is a problem body with a reason', async () => {
    await fc.assert(
      fc.asyncProperty(request(), async (sent) => {
        const headers: Record<string, string> = {};
        if (sent.key !== undefined) headers['x-api-key'] = sent.key;
        if (sent.idempotencyKey !== undefined) headers['idempotency-key'] = sent.idempotencyKey;
        if (sent.contentType) headers['content-type'] = sent.contentType;
        const url = `${sent.template.replaceAll('{orderId}', sent.segment)}${sent.query}`;
        const withBody = sent.method !== 'GET' && sent.method !== 'HEAD';
        const response = await h.call(sent.method, url, {
          headers,
          ...(withBody && sent.body !== undefined && { rawBody: sent.body }),
        });
        const summary = `${sent.method} ${url.slice(0, 200)} → ${response.status} ${response.text.slice(0, 300)}`;
        if (response.status >= 500) throw new Error(summary);
        if (response.status < 400 || sent.method === 'HEAD') return;
        const problem = response.json;
        const isProblem =
          (response.headers.get('content-type') ?? '').startsWith('application/problem+json') &&
          problem.status === response.status &&
          typeof problem.code === 'string' &&
          typeof problem.detail === 'string' &&
          problem.detail !== '';
        if (!isProblem) throw new Error(`not a problem body with a reason: ${summary}`);
      }),
      { seed, numRuns },
    );
  });
});
