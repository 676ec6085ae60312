import { loadTestServerEnv } from '@wfb/worker/env.js';
import { findFreePorts } from '@wfb/worker/testing/free-port.js';
import { startTemporalDevServer } from '@wfb/worker/testing/temporal-dev-server.js';
import { afterEach, describe, expect, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { type GatewayHarness, orderUrl, startGatewayHarness } from '../../test/gateway-harness.js';

// Needs Postgres/PGlite and the Temporal CLI: one case starts (and kills) its own dev server.
describe.each(driverKinds)('public gateway when Temporal is unreachable on %s (database + Temporal)', (kind) => {
  let h: GatewayHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('answers 503 with Retry-After when Temporal cannot be reached, then fails fast', async () => {
    const [port] = await findFreePorts(1);
    h = await startGatewayHarness(kind, {
      temporalAddress: `127.0.0.1:${port}`,
      taskQueue: 'unused',
      env: { GATEWAY_DEADLINE_MS: '1000', GATEWAY_RETRY_AFTER_SECONDS: '7' },
    });
    const key = h.alpha.apiKey.plaintext;
    const before = Date.now();
    const first = await h.call('POST', orderUrl(h.alpha, 'createOrder', 'order-1'), { key, body: { customer: 'a' } });
    expect(Date.now() - before).toBeLessThan(2_000);
    expect(first.status).toBe(503);
    expect(first.headers.get('retry-after')).toBe('7');
    expect(first.json).toMatchObject({ code: 'UNAVAILABLE', requestId: expect.any(String) });

    const quick = Date.now();
    const second = await h.call('GET', orderUrl(h.alpha, 'getOrder', 'order-1'), { key });
    expect(second.status).toBe(503);
    expect(Date.now() - quick).toBeLessThan(300);
  });

  it('answers 503 when this server has no Temporal configured', async () => {
    h = await startGatewayHarness(kind, { temporalAddress: '', taskQueue: 'unused' });
    const response = await h.call('GET', orderUrl(h.alpha, 'getOrder', 'order-1'), { key: h.alpha.apiKey.plaintext });
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
  });

  it('answers 503 (not 504) when Temporal goes away after the gateway connected', async () => {
    const server = await startTemporalDevServer({
      namespaces: ['default', 'wfb-test-a', 'wfb-test-b'],
      cliPath: loadTestServerEnv().cliPath,
    });
    try {
      h = await startGatewayHarness(kind, {
        temporalAddress: server.address,
        taskQueue: 'unused',
        env: { GATEWAY_DEADLINE_MS: '1500' },
      });
      const key = h.alpha.apiKey.plaintext;
      const started = await h.call('POST', orderUrl(h.alpha, 'createOrder', 'order-2'), {
        key,
        body: { customer: 'a' },
      });
      expect(started.status).toBe(201);
      await server.stop();
      const before = Date.now();
      const gone = await h.call('GET', orderUrl(h.alpha, 'getOrder', 'order-2'), { key });
      expect(gone.status).toBe(503);
      expect(gone.json).toMatchObject({ code: 'UNAVAILABLE' });
      expect(gone.headers.get('retry-after')).toBe('5');
      expect(Date.now() - before).toBeLessThan(2_500);
    } finally {
      await server.stop();
    }
  });
});
