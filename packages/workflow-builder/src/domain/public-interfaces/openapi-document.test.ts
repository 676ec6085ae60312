import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, type OpenApiRoute } from './openapi-document.js';

const route = (overrides: Partial<OpenApiRoute>): OpenApiRoute => ({
  method: 'POST',
  path: '/orders/{orderId}/items',
  route_hash: 'aaaaaaaaaaaaaaaa',
  description: '',
  type: 'signal',
  interface_name: 'add-item',
  interface_display_name: 'Add an item',
  interface_description: 'Adds one line.',
  input_schema: { type: 'object', required: ['sku'], properties: { sku: { type: 'string' } } },
  output_schema: null,
  service_name: 'orders',
  service_display_name: 'Orders',
  ...overrides,
});

describe('OpenAPI 3.1 document of a project', () => {
  const document = buildOpenApiDocument({
    project: { slug: 'shop', name: 'Shop' },
    baseUrl: 'https://api.example.com/',
    routes: [
      route({}),
      route({
        method: 'GET',
        path: '/orders/{orderId}',
        route_hash: 'bbbbbbbbbbbbbbbb',
        type: 'query',
        interface_name: 'get-order',
        input_schema: { type: 'object', required: ['verbose'], properties: { verbose: { type: 'boolean' } } },
        output_schema: { type: 'object' },
      }),
      route({
        method: 'POST',
        path: '/orders',
        route_hash: 'cccccccccccccccc',
        type: 'start',
        interface_name: 'create',
      }),
      route({
        path: '/',
        route_hash: 'dddddddddddddddd',
        type: 'update',
        interface_name: 'add-item',
        input_schema: null,
      }),
    ],
  }) as {
    openapi: string;
    servers: Array<{ url: string }>;
    paths: Record<string, Record<string, Record<string, unknown>>>;
    components: Record<string, unknown>;
  };

  it('declares 3.1, the API key header and the gateway base URL', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([{ url: 'https://api.example.com/api/v1' }]);
    expect(document.components).toMatchObject({
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
    });
  });

  it('keys paths by route hash, with path parameters, bodies and the success status of each type', () => {
    const signal = document.paths['/aaaaaaaaaaaaaaaa/orders/{orderId}/items']?.post;
    expect(signal).toMatchObject({
      operationId: 'orders.add-item',
      tags: ['Orders'],
      parameters: [{ name: 'orderId', in: 'path', required: true }],
      requestBody: { required: true, content: { 'application/json': { schema: { required: ['sku'] } } } },
    });
    expect(Object.keys(signal?.responses as object)).toContain('202');
    const query = document.paths['/bbbbbbbbbbbbbbbb/orders/{orderId}']?.get;
    expect(query).not.toHaveProperty('requestBody');
    expect(query?.parameters).toEqual([
      { name: 'orderId', in: 'path', required: true, schema: { type: 'string', maxLength: 255 } },
      { name: 'verbose', in: 'query', required: true, schema: { type: 'boolean' } },
    ]);
    expect(query?.responses).toMatchObject({ '200': {}, '422': {} });
    const start = document.paths['/cccccccccccccccc/orders']?.post;
    expect(start?.responses).toMatchObject({ '201': {}, '409': {} });
    expect(start?.parameters).toMatchObject([{ name: 'Idempotency-Key', in: 'header' }]);
  });

  it('keeps operation ids unique and root paths bare', () => {
    const update = document.paths['/dddddddddddddddd']?.post;
    expect(update?.operationId).toBe('orders.add-item.dddddddddddddddd');
    expect(update?.requestBody).toMatchObject({ required: false });
  });
});
