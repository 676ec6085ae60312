import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { JsonObject } from '../kong-types.js';
import { type KongStandIn, startKongStandIn } from './stand-in.js';

/**
 * Fidelity of the stand-in to Kong 3.9's Admin API, over plain HTTP. Expected bodies are
 * Kong's own (kong/db/errors.lua, kong/api/endpoints.lua and the plugin schemas).
 */
async function call(base: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text ? JSON.parse(text) : undefined) as JsonObject,
    headers: response.headers,
  };
}

const service = { name: 'svc', host: 'builder', port: 3000, tags: ['managed-by-wfb'] };
const route = (name: string, extra: JsonObject = {}) => ({ name, paths: ['/x'], service: { name: 'svc' }, ...extra });
const limit = (config: JsonObject) => ({ name: 'rate-limiting', route: { name: 'r1' }, config });

describe('stand-in, DB mode', () => {
  let kong: KongStandIn;
  const api = (method: string, path: string, body?: unknown) => call(kong.url, method, path, body);

  beforeAll(async () => {
    kong = await startKongStandIn();
  });
  afterEach(() => {
    kong.store.clear();
    kong.faults.clear();
  });
  afterAll(() => kong.close());

  it('PUT creates and replaces with 200, restoring defaults for omitted fields', async () => {
    const created = await api('PUT', '/services/svc', { ...service, retries: 9, path: '/p' });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ name: 'svc', retries: 9, path: '/p', protocol: 'http', read_timeout: 60000 });
    const replaced = await api('PUT', `/services/${String(created.body.id)}`, { name: 'svc', host: 'other' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({
      id: created.body.id,
      retries: 5,
      path: null,
      port: 80,
      host: 'other',
      tags: null,
    });
    expect(replaced.body.created_at).toBe(created.body.created_at);
    expect((await api('GET', '/services/svc')).body.host).toBe('other');
  });

  it('POST creates with 201; a duplicate name is 409, code 5', async () => {
    expect((await api('POST', '/services', service)).status).toBe(201);
    const duplicate = await api('POST', '/services', service);
    expect(duplicate.status).toBe(409);
    expect(duplicate.body).toEqual({
      code: 5,
      name: 'unique constraint violation',
      message: `UNIQUE violation detected on '{name="svc"}'`,
      fields: { name: 'svc' },
    });
  });

  it('answers 404 Not found, and DELETE 204 even when nothing is there', async () => {
    expect(await api('GET', '/routes/nope')).toMatchObject({ status: 404, body: { message: 'Not found' } });
    expect((await api('DELETE', '/routes/nope')).status).toBe(204);
  });

  it('refuses to delete a service that routes use, and cascades a route delete to its plugins', async () => {
    await api('PUT', '/services/svc', service);
    await api('PUT', '/routes/r1', route('r1'));
    const plugin = await api('POST', '/plugins', limit({ minute: 5 }));
    expect(plugin.status).toBe(201);
    const refused = await api('DELETE', '/services/svc');
    expect(refused).toMatchObject({
      status: 400,
      body: { code: 4, message: "an existing 'routes' entity references this 'services' entity" },
    });
    expect((await api('DELETE', '/routes/r1')).status).toBe(204);
    expect((await api('GET', `/plugins/${String(plugin.body.id)}`)).status).toBe(404);
    expect((await api('DELETE', '/services/svc')).status).toBe(204);
  });

  it('allows one plugin of a name per route: a second one is 409', async () => {
    await api('PUT', '/services/svc', service);
    await api('PUT', '/routes/r1', route('r1'));
    await api('PUT', '/routes/r2', route('r2'));
    expect((await api('POST', '/plugins', limit({ minute: 5 }))).status).toBe(201);
    expect((await api('POST', '/plugins', limit({ minute: 6 }))).status).toBe(409);
    expect((await api('POST', '/routes/r2/plugins', { name: 'rate-limiting', config: { minute: 6 } })).status).toBe(
      201,
    );
    expect((await api('POST', '/services/svc/plugins', { name: 'rate-limiting', config: { minute: 6 } })).status).toBe(
      201,
    );
  });

  it('pages with size and offset, and rejects bad sizes and offsets', async () => {
    for (const name of ['a', 'b', 'c', 'd', 'e']) await api('POST', '/services', { name, host: 'h' });
    const seen: string[] = [];
    let path = '/services?size=2';
    for (;;) {
      const page = await api('GET', path);
      seen.push(...(page.body.data as JsonObject[]).map((entity) => String(entity.name)));
      if (page.body.next === null) {
        expect(page.body.offset).toBeUndefined();
        break;
      }
      expect(page.body.next).toBe(`/services?offset=${encodeURIComponent(String(page.body.offset))}&size=2`);
      path = String(page.body.next);
    }
    expect(seen.sort()).toEqual(['a', 'b', 'c', 'd', 'e']);
    for (const size of ['0', '1001', '1.5']) {
      expect(await api('GET', `/services?size=${size}`)).toMatchObject({
        status: 400,
        body: { code: 9, message: 'size must be an integer between 1 and 1000' },
      });
    }
    expect(await api('GET', '/services?offset=%25%25')).toMatchObject({ status: 400, body: { code: 7 } });
  });

  it('filters by tags: "," is AND, "/" is OR, mixing is an invalid option; nested lists ignore tags', async () => {
    await api('POST', '/services', { name: 'ab', host: 'h', tags: ['a', 'b'] });
    await api('POST', '/services', { name: 'a', host: 'h', tags: ['a'] });
    await api('POST', '/services', { name: 'c', host: 'h', tags: ['c'] });
    const names = async (query: string) =>
      ((await api('GET', `/services?tags=${query}`)).body.data as JsonObject[]).map((entity) => entity.name).sort();
    expect(await names('a,b')).toEqual(['ab']);
    expect(await names('b/c')).toEqual(['ab', 'c']);
    expect(await api('GET', '/services?tags=a,b/c')).toMatchObject({
      status: 400,
      body: { code: 11, name: 'invalid options', message: 'invalid option (tags: invalid filter syntax)' },
    });
    await api('POST', '/routes', { name: 'r', paths: ['/r'], service: { name: 'c' }, tags: ['x'] });
    expect((await api('GET', '/services/c/routes?tags=nope')).body.data).toHaveLength(1);
  });

  it('rejects a body that is not JSON', async () => {
    expect(await api('POST', '/services', '{nope')).toMatchObject({
      status: 400,
      body: { message: 'Cannot parse JSON body' },
    });
  });
});

describe('stand-in, schema violations (400, code 2, fields)', () => {
  let kong: KongStandIn;
  beforeAll(async () => {
    kong = await startKongStandIn();
    await call(kong.url, 'PUT', '/services/svc', service);
    await call(kong.url, 'PUT', '/routes/r1', route('r1'));
  });
  afterAll(() => kong.close());

  const violations: [string, string, JsonObject, JsonObject][] = [
    ['service port', '/services/s2', { host: 'h', port: 70000 }, { port: 'value should be between 0 and 65535' }],
    ['service host with a port', '/services/s2', { host: 'h:80' }, { host: 'must not have a port' }],
    [
      'service name',
      '/services/00000000-0000-4000-8000-0000000000aa',
      { name: 'a b', host: 'h' },
      { name: expect.stringContaining('invalid value') },
    ],
    ['unknown field', '/services/s2', { host: 'h', colour: 'red' }, { colour: 'unknown field' }],
    [
      'tag with a comma',
      '/services/s2',
      { host: 'h', tags: ['a,b'] },
      { tags: [expect.stringContaining("invalid tag 'a,b'")] },
    ],
    [
      'route regex',
      '/routes/r2',
      route('r2', { paths: ['/ok', '~/a(b'] }),
      { paths: [null, expect.stringContaining("invalid regex: '/a(b'")] },
    ],
    [
      'route path start',
      '/routes/r2',
      route('r2', { paths: ['x'] }),
      { paths: ['should start with: / (fixed path) or ~/ (regex path)'] },
    ],
    [
      'route empty segment',
      '/routes/r2',
      route('r2', { paths: ['/a//b'] }),
      { paths: ['must not have empty segments'] },
    ],
    [
      'capture name over 32',
      '/routes/r2',
      route('r2', { paths: [`~/a/(?<${'n'.repeat(33)}>[^/]+)$`] }),
      { paths: [expect.stringContaining('name is too long')] },
    ],
    ['route method', '/routes/r2', route('r2', { methods: ['get'] }), { methods: ['invalid value: get'] }],
    ['strip_path type', '/routes/r2', route('r2', { strip_path: 'no' }), { strip_path: 'expected a boolean' }],
    [
      'redirect code',
      '/routes/r2',
      route('r2', { https_redirect_status_code: 400 }),
      { https_redirect_status_code: 'expected one of: 426, 301, 302, 307, 308' },
    ],
    [
      'route without a matching rule',
      '/routes/r2',
      { name: 'r2', service: { name: 'svc' } },
      { '@entity': ["must set one of 'methods', 'hosts', 'headers', 'paths', 'snis' when 'protocols' is 'https'"] },
    ],
    [
      'rate-limiting without a limit',
      '/plugins/00000000-0000-4000-8000-000000000001',
      limit({ policy: 'local' }),
      {
        '@entity': [
          "at least one of these fields must be non-empty: 'config.second', 'config.minute', 'config.hour', 'config.day', 'config.month', 'config.year'",
        ],
      },
    ],
    [
      'rate-limiting policy',
      '/plugins/00000000-0000-4000-8000-000000000001',
      limit({ minute: 1, policy: 'db' }),
      { config: { policy: 'expected one of: local, cluster, redis' } },
    ],
    [
      'rate-limiting limit_by',
      '/plugins/00000000-0000-4000-8000-000000000001',
      limit({ minute: 1, limit_by: 'route' }),
      { config: { limit_by: 'expected one of: consumer, credential, ip, service, header, path' } },
    ],
    [
      'rate-limiting header without name',
      '/plugins/00000000-0000-4000-8000-000000000001',
      limit({ minute: 1, limit_by: 'header' }),
      {
        config: { header_name: 'required field missing' },
        '@entity': ["failed conditional validation given value of field 'config.limit_by'"],
      },
    ],
    [
      'rate-limiting period order',
      '/plugins/00000000-0000-4000-8000-000000000001',
      limit({ second: 10, minute: 5 }),
      { config: 'The limit for minute(5.0) cannot be lower than the limit for second(10.0)' },
    ],
    [
      'rate-limiting limit',
      '/plugins/00000000-0000-4000-8000-000000000001',
      limit({ minute: 0 }),
      { config: { minute: 'value must be greater than 0' } },
    ],
    [
      'correlation-id generator',
      '/plugins/00000000-0000-4000-8000-000000000002',
      { name: 'correlation-id', config: { generator: 'x' } },
      { config: { generator: 'expected one of: uuid, uuid#counter, tracker' } },
    ],
    [
      'request-size-limiting unit',
      '/plugins/00000000-0000-4000-8000-000000000003',
      { name: 'request-size-limiting', config: { allowed_payload_size: 1.5, size_unit: 'gigabytes' } },
      {
        config: {
          allowed_payload_size: 'expected an integer',
          size_unit: 'expected one of: megabytes, kilobytes, bytes',
        },
      },
    ],
    [
      'unknown plugin',
      '/plugins/00000000-0000-4000-8000-000000000004',
      { name: 'nope' },
      { name: "plugin 'nope' not enabled; add it to the 'plugins' configuration property" },
    ],
  ];

  it.each(violations)('%s', async (_label, path, body, fields) => {
    const reply = await call(kong.url, 'PUT', path, body);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({
      code: 2,
      name: 'schema violation',
      message: expect.stringMatching(/schema violations? \(/),
      fields,
    });
  });

  it('writes the message the way Kong does', async () => {
    const reply = await call(kong.url, 'PUT', '/routes/r2', route('r2', { paths: ['x'], strip_path: 1 }));
    expect(reply.body.message).toBe(
      '2 schema violations (paths.1: should start with: / (fixed path) or ~/ (regex path); strip_path: expected a boolean)',
    );
  });
});
