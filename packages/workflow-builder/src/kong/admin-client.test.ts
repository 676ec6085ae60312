import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createKongAdminClient, emptyConfigurationHash, readManagedState } from './admin-client.js';
import { KongAdminError, KongTransportError, parseRetryAfter } from './admin-errors.js';
import type { KongTransportOptions } from './admin-transport.js';
import { type KongStandIn, startKongStandIn } from './testing/stand-in.js';

describe('Kong admin client', () => {
  let kong: KongStandIn;
  const sleeps: number[] = [];
  const client = (options: Partial<KongTransportOptions> = {}) =>
    createKongAdminClient({
      baseUrl: kong.url,
      random: () => 0.5,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      ...options,
    });

  beforeAll(async () => {
    kong = await startKongStandIn();
  });
  afterEach(() => {
    kong.store.clear();
    kong.faults.clear();
    kong.requests.length = 0;
    sleeps.length = 0;
  });
  afterAll(() => kong.close());

  it('puts, gets and deletes by name or id; a missing entity is undefined', async () => {
    const kongClient = client();
    const service = await kongClient.services.put('svc', { host: 'builder', port: 3000 });
    expect(service).toMatchObject({ name: 'svc', host: 'builder', retries: 5 });
    expect(await kongClient.services.get(service.id)).toMatchObject({ name: 'svc' });
    await kongClient.services.delete('svc');
    await kongClient.services.delete('svc');
    expect(await kongClient.services.get('svc')).toBeUndefined();
  });

  it("turns Kong's error body into a typed error", async () => {
    const kongClient = client();
    const error = await kongClient.routes.put('r', { paths: ['x'] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KongAdminError);
    expect(error).toMatchObject({
      status: 400,
      code: 2,
      kongName: 'schema violation',
      kongMessage: 'schema violation (paths.1: should start with: / (fixed path) or ~/ (regex path))',
      fields: { paths: ['should start with: / (fixed path) or ~/ (regex path)'] },
      retryable: false,
    });
    await kongClient.services.put('svc', { host: 'h' });
    await expect(
      kongClient.services.put('00000000-0000-4000-8000-000000000002', { name: 'svc', host: 'h' }),
    ).rejects.toMatchObject({
      status: 409,
      code: 5,
    });
  });

  it('never retries a 4xx', async () => {
    await expect(client().routes.put('r', { paths: ['x'] })).rejects.toBeInstanceOf(KongAdminError);
    expect(kong.requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('retries 500s with growing backoff, then succeeds', async () => {
    kong.faults.failNext(2);
    await client({ backoffBaseMs: 100 }).services.put('svc', { host: 'h' });
    expect(kong.requests).toHaveLength(3);
    expect(sleeps).toEqual([50, 100]);
  });

  it('gives up after its retries with the last error', async () => {
    kong.faults.failNext(5);
    await expect(client({ retries: 2 }).services.list()).rejects.toMatchObject({ status: 500, retryable: true });
    expect(kong.requests).toHaveLength(3);
  });

  it('waits for Retry-After on 429, and leaves a longer wait to the caller', async () => {
    kong.faults.rateLimitNext(1, 2);
    await client().services.list();
    expect(sleeps).toEqual([2000]);
    kong.faults.rateLimitNext(1, 120);
    await expect(client({ maxRetryAfterMs: 30_000 }).services.list()).rejects.toMatchObject({
      status: 429,
      retryAfterMs: 120_000,
    });
  });

  it('times out a slow answer, and retries transport failures', async () => {
    kong.faults.delayMs = 300;
    const slow = await client({ timeoutMs: 50, retries: 1 })
      .services.list()
      .catch((caught: unknown) => caught);
    expect(slow).toBeInstanceOf(KongTransportError);
    expect(slow).toMatchObject({ timedOut: true });
    expect(sleeps).toHaveLength(1);
    kong.faults.delayMs = 0;
    kong.faults.resetNext(1);
    expect(await client().services.list()).toEqual([]);
  });

  it('reports a Kong that refuses connections, and recovers when it is back', async () => {
    await kong.goDown();
    let revived = false;
    const kongClient = client({
      retries: 1,
      sleep: async () => {
        await kong.comeUp();
        revived = true;
      },
    });
    expect(await kongClient.services.list()).toEqual([]);
    expect(revived).toBe(true);
    await kong.goDown();
    await expect(client({ retries: 0 }).services.list()).rejects.toMatchObject({
      name: 'KongTransportError',
      timedOut: false,
    });
    await kong.comeUp();
  });

  it('lists across pages, by tag', async () => {
    const kongClient = client();
    for (const name of ['a', 'b', 'c', 'd', 'e']) {
      await kongClient.services.put(name, { host: 'h', tags: name === 'c' ? ['other'] : ['managed-by-wfb'] });
    }
    kong.requests.length = 0;
    const listed = await kongClient.services.list({ tags: ['managed-by-wfb'], size: 2 });
    expect(listed.map((service) => service.name).sort()).toEqual(['a', 'b', 'd', 'e']);
    expect(kong.requests.length).toBeGreaterThan(1);
    expect(kong.requests.every((request) => request.query.includes('tags=managed-by-wfb'))).toBe(true);
    const any = await kongClient.services.list({ tags: ['other', 'nope'], tagsMatch: 'any' });
    expect(any.map((service) => service.name)).toEqual(['c']);
    const state = await readManagedState(kongClient);
    expect(state.services).toHaveLength(4);
  });

  it('sends Kong-Admin-Token when set', async () => {
    await client({ adminToken: 'sekret' }).services.list();
    expect(kong.requests[0]?.headers['kong-admin-token']).toBe('sekret');
    await client().services.list();
    expect(kong.requests[1]?.headers['kong-admin-token']).toBeUndefined();
  });

  it('parses Retry-After as seconds or an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
  });
});

describe('Kong admin client against a path-prefixed control plane', () => {
  it('keeps the base path (pages included) and sends the bearer token', async () => {
    const basePath = '/v2/control-planes/cp-1/core-entities';
    const kong = await startKongStandIn({ basePath, requiredHeaders: { authorization: 'Bearer pat-1' } });
    try {
      const kongClient = createKongAdminClient({ baseUrl: kong.url, bearerToken: 'pat-1' });
      for (const name of ['a', 'b', 'c']) await kongClient.services.put(name, { host: 'h' });
      expect(await kongClient.services.list({ size: 1 })).toHaveLength(3);
      expect(kong.requests.every((request) => request.path.startsWith(basePath))).toBe(true);
      await expect(createKongAdminClient({ baseUrl: kong.url, retries: 0 }).services.list()).rejects.toMatchObject({
        status: 401,
      });
    } finally {
      await kong.close();
    }
  });
});

describe('Kong admin client, DB-less', () => {
  it('posts /config, reads the configuration hash, and exposes flattened errors', async () => {
    const kong = await startKongStandIn({ dbless: true });
    try {
      const kongClient = createKongAdminClient({ baseUrl: kong.url });
      expect((await kongClient.status()).configurationHash).toBe(emptyConfigurationHash);
      await kongClient.postConfig({ _format_version: '3.0', services: [{ name: 's', url: 'http://h:1' }] });
      expect((await kongClient.status()).configurationHash).not.toBe(emptyConfigurationHash);
      const invalid = { _format_version: '3.0', services: [{ name: 's', url: 'http://h:1', routes: [{ name: 'r' }] }] };
      const error = await kongClient.postConfig(invalid).catch((caught: unknown) => caught);
      expect(error).toMatchObject({ status: 400, code: 14 });
      expect(error instanceof KongAdminError && error.flattenedErrors[0]).toMatchObject({
        entity_type: 'route',
        entity_name: 'r',
      });
      expect(kong.requests.at(-1)?.query).toBe('?flatten_errors=1');
      await expect(kongClient.services.put('s', { host: 'h' })).rejects.toMatchObject({ status: 405, code: 12 });
    } finally {
      await kong.close();
    }
  });
});
