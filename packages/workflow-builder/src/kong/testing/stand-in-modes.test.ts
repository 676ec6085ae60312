import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../kong-types.js';
import { emptyHash, type KongStandIn, startKongStandIn } from './stand-in.js';

/** The stand-in's DB-less mode, its fault injection, base path and auth. */
async function call(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : undefined) as JsonObject,
    headers: response.headers,
  };
}

const routeId = '5b2a9a34-8f2b-4c55-a0d1-9d7f3c2b1a00';
const validConfig = {
  _format_version: '3.0',
  services: [
    {
      name: 'wfb-gateway',
      url: 'http://builder:3000',
      tags: ['managed-by-wfb'],
      routes: [
        {
          id: routeId,
          name: 'wfb-interface-1',
          paths: ['~/api/v1/abcdefgh/orders/(?<orderId>[^/]+)/?$'],
          strip_path: false,
          tags: ['managed-by-wfb', 'wfb-interface-1'],
          plugins: [{ name: 'rate-limiting', config: { minute: 10, limit_by: 'service' }, tags: ['wfb-interface-1'] }],
        },
      ],
    },
  ],
};

describe('stand-in, DB-less mode', () => {
  let kong: KongStandIn;
  const api = (method: string, path: string, body?: unknown) => call(kong.url, method, path, body);

  beforeAll(async () => {
    kong = await startKongStandIn({ dbless: true });
  });
  afterEach(() => kong.restart());
  afterAll(() => kong.close());

  it('reports the all-zero hash until a configuration is loaded, then its hash', async () => {
    expect((await api('GET', '/status')).body.configuration_hash).toBe(emptyHash);
    expect(await api('POST', '/config', validConfig)).toMatchObject({ status: 201 });
    const hash = (await api('GET', '/status')).body.configuration_hash;
    expect(hash).toMatch(/^[0-9a-f]{32}$/);
    expect(hash).not.toBe(emptyHash);
    const routes = (await api('GET', '/routes?tags=managed-by-wfb')).body.data as JsonObject[];
    expect(routes.map((route) => route.name)).toEqual(['wfb-interface-1']);
    expect((await api('GET', '/services/wfb-gateway')).body).toMatchObject({ host: 'builder', port: 3000, path: null });
    kong.restart();
    expect((await api('GET', '/status')).body.configuration_hash).toBe(emptyHash);
    expect((await api('GET', '/routes')).body.data).toEqual([]);
  });

  it('answers 405, code 12, to entity writes (after validating them), and 204 to deleting nothing', async () => {
    expect(await api('PUT', '/services/svc', { host: 'h' })).toMatchObject({
      status: 405,
      body: {
        code: 12,
        name: 'operation unsupported',
        message: "cannot create or update 'services' entities by 'name' when not using a database",
      },
    });
    expect((await api('PUT', `/routes/${routeId}`, { paths: ['/x'] })).body.message).toBe(
      "cannot create or update 'routes' entities when not using a database",
    );
    expect((await api('POST', '/plugins', { name: 'correlation-id' })).body.message).toBe(
      "cannot create 'plugins' entities when not using a database",
    );
    expect(await api('PUT', '/services/svc', { host: 'h', port: -1 })).toMatchObject({
      status: 400,
      body: { code: 2 },
    });
    expect((await api('DELETE', '/services/svc')).status).toBe(204);
    await api('POST', '/config', validConfig);
    expect((await api('DELETE', '/services/wfb-gateway')).body.message).toBe(
      "cannot remove 'services' entities when not using a database",
    );
  });

  it('rejects an invalid configuration whole, with flattened errors that name each entity', async () => {
    await api('POST', '/config', validConfig);
    const hash = kong.configurationHash;
    const services = validConfig.services.map((service) => ({
      ...service,
      routes: service.routes.map((route) => ({
        ...route,
        paths: ['~/api/v1/abcdefgh/orders/(?<orderId>[^/]+/?$'],
        plugins: [{ name: 'rate-limiting', config: { minute: 10, policy: 'cluster' }, tags: ['wfb-interface-1'] }],
      })),
    }));
    const reply = await api('POST', '/config?flatten_errors=1', { ...validConfig, services });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({
      code: 14,
      name: 'invalid declarative configuration',
      message: 'declarative config is invalid: {}',
      fields: {},
    });
    expect(reply.body.flattened_errors).toEqual([
      {
        entity_type: 'route',
        entity_name: 'wfb-interface-1',
        entity_id: routeId,
        entity_tags: ['managed-by-wfb', 'wfb-interface-1'],
        entity: expect.objectContaining({ name: 'wfb-interface-1' }),
        errors: [{ type: 'field', field: 'paths.1', message: expect.stringContaining('invalid regex') }],
      },
      {
        entity_type: 'plugin',
        entity_name: 'rate-limiting',
        entity_tags: ['wfb-interface-1'],
        entity: expect.objectContaining({ route: { id: routeId } }),
        errors: [{ type: 'field', field: 'config.policy', message: 'expected one of: local, redis' }],
      },
    ]);
    expect(kong.configurationHash).toBe(hash);
    const nested = await api('POST', '/config', { ...validConfig, services });
    expect(nested.body.fields).toMatchObject({ services: { 1: { routes: { 1: { paths: [expect.any(String)] } } } } });
  });

  it('requires a known _format_version', async () => {
    const reply = await api('POST', '/config', { services: [] });
    expect(reply).toMatchObject({
      status: 400,
      body: { code: 14, fields: { _format_version: 'required field missing' } },
    });
  });
});

describe('stand-in, DB mode specifics', () => {
  it('has no /config and no configuration hash', async () => {
    const kong = await startKongStandIn();
    try {
      expect((await call(kong.url, 'POST', '/config', validConfig)).status).toBe(400);
      expect((await call(kong.url, 'GET', '/status')).body.configuration_hash).toBeUndefined();
    } finally {
      await kong.close();
    }
  });
});

describe('stand-in, faults, base path and auth', () => {
  let kong: KongStandIn;
  const base = '/v2/control-planes/cp-1/core-entities';
  const auth = { authorization: 'Bearer pat' };

  beforeAll(async () => {
    kong = await startKongStandIn({ basePath: base, requiredHeaders: { authorization: 'Bearer pat' } });
  });
  afterEach(() => kong.faults.clear());
  afterAll(() => kong.close());

  it('serves only under its base path and only with the required header', async () => {
    const root = kong.url.slice(0, -base.length);
    expect((await call(root, 'GET', '/services', undefined, auth)).status).toBe(404);
    expect((await call(kong.url, 'GET', '/services')).status).toBe(401);
    expect((await call(kong.url, 'GET', '/services', undefined, auth)).status).toBe(200);
  });

  it('answers planned statuses, then normally', async () => {
    kong.faults.failNext(2);
    kong.faults.rateLimitNext(1, 7);
    expect((await call(kong.url, 'GET', '/services', undefined, auth)).status).toBe(500);
    expect((await call(kong.url, 'GET', '/services', undefined, auth)).body).toEqual({
      message: 'An unexpected error occurred',
    });
    const limited = await call(kong.url, 'GET', '/services', undefined, auth);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect((await call(kong.url, 'GET', '/services', undefined, auth)).status).toBe(200);
  });

  it('resets connections, goes down and comes back on the same port, and answers slowly', async () => {
    kong.faults.resetNext();
    await expect(call(kong.url, 'GET', '/services', undefined, auth)).rejects.toThrow();
    const port = kong.port;
    await kong.goDown();
    await expect(call(kong.url, 'GET', '/services', undefined, auth)).rejects.toThrow();
    await kong.comeUp();
    expect(kong.port).toBe(port);
    kong.faults.delayMs = 150;
    const started = Date.now();
    expect((await call(kong.url, 'GET', '/services', undefined, auth)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
