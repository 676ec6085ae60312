import type { RouteRow } from './public-interfaces.store.js';
import { parsePathTemplate } from './route-path.js';

/**
 * A project's public interfaces as an OpenAPI 3.1 document, for Postman imports and client
 * generators. OpenAPI 3.1 speaks JSON Schema 2020-12, the dialect interfaces are saved in,
 * so their schemas are embedded unchanged. Pure: the same rows always give the same document.
 */
export type OpenApiRoute = Pick<
  RouteRow,
  | 'method'
  | 'path'
  | 'route_hash'
  | 'description'
  | 'type'
  | 'interface_name'
  | 'interface_display_name'
  | 'interface_description'
  | 'input_schema'
  | 'output_schema'
  | 'service_name'
  | 'service_display_name'
>;

export interface OpenApiInput {
  project: { slug: string; name: string };
  baseUrl: string;
  routes: readonly OpenApiRoute[];
}

type JsonObject = Record<string, unknown>;

const problemRef = { $ref: '#/components/responses/Problem' };
const errorStatuses = ['400', '401', '403', '404', '405', '413', '429', '502', '503', '504'];

const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'code', 'detail', 'requestId'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    code: { type: 'string' },
    detail: { type: 'string' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      items: { type: 'object', properties: { path: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

function successResponse(route: OpenApiRoute): [string, JsonObject] {
  const workflowId = { type: 'string', description: 'The workflow execution the call reached.' };
  const json = (schema: JsonObject) => ({ content: { 'application/json': { schema } } });
  switch (route.type) {
    case 'signal':
      return [
        '202',
        {
          description: 'Signal delivered to the workflow.',
          ...json({
            type: 'object',
            required: ['workflowId', 'status'],
            properties: { workflowId, status: { const: 'accepted' } },
          }),
        },
      ];
    case 'start':
      return [
        '201',
        {
          description: 'Workflow started (or, with a repeated Idempotency-Key, the run it started before).',
          ...json({
            type: 'object',
            required: ['workflowId', 'runId'],
            properties: { workflowId, runId: { type: 'string' } },
          }),
        },
      ];
    default:
      return [
        '200',
        {
          description: route.type === 'query' ? 'Query result.' : 'Update result.',
          ...json({
            type: 'object',
            required: ['workflowId', 'result'],
            properties: { workflowId, result: (route.output_schema as JsonObject | null) ?? {} },
          }),
        },
      ];
  }
}

function queryParameters(schema: unknown): JsonObject[] {
  if (typeof schema !== 'object' || schema === null) return [];
  const { properties, required } = schema as { properties?: Record<string, unknown>; required?: unknown };
  const requiredNames = Array.isArray(required) ? required : [];
  return Object.entries(properties ?? {}).map(([name, propertySchema]) => ({
    name,
    in: 'query',
    required: requiredNames.includes(name),
    schema: propertySchema,
  }));
}

function operation(route: OpenApiRoute, operationId: string): JsonObject {
  const template = parsePathTemplate(route.path);
  const pathParameters = (template.ok ? template.template.params : []).map((name) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string', maxLength: 255 },
  }));
  const idempotency =
    route.type === 'start' || route.type === 'update'
      ? [
          {
            name: 'Idempotency-Key',
            in: 'header',
            required: false,
            description: `${
              route.type === 'start'
                ? 'Becomes the workflow id; a retry returns the same run.'
                : 'Becomes the update id; a retry returns the same result.'
            } The same key with a different request is refused with 422 for 24 hours.`,
            schema: { type: 'string', minLength: 1, maxLength: 255 },
          },
        ]
      : [];
  const isGet = route.method === 'GET';
  const [status, success] = successResponse(route);
  return {
    operationId,
    summary: route.interface_display_name,
    description: [route.description, route.interface_description].filter(Boolean).join('\n\n') || undefined,
    tags: [route.service_display_name],
    parameters: [...pathParameters, ...idempotency, ...(isGet ? queryParameters(route.input_schema) : [])],
    ...(!isGet && {
      requestBody: {
        required: route.input_schema !== null,
        content: { 'application/json': { schema: route.input_schema ?? {} } },
      },
    }),
    responses: {
      [status]: success,
      ...Object.fromEntries(
        errorStatuses
          .concat(route.type === 'start' ? ['409'] : [])
          .concat(route.type === 'update' || route.type === 'query' ? ['422'] : [])
          .sort()
          .map((code) => [code, problemRef]),
      ),
    },
  };
}

export function buildOpenApiDocument(input: OpenApiInput): JsonObject {
  const paths: Record<string, JsonObject> = {};
  const usedIds = new Set<string>();
  for (const route of input.routes) {
    let operationId = `${route.service_name}.${route.interface_name}`;
    if (usedIds.has(operationId)) operationId = `${operationId}.${route.route_hash}`;
    usedIds.add(operationId);
    const key = `/${route.route_hash}${route.path === '/' ? '' : route.path}`;
    paths[key] = { ...paths[key], [route.method.toLowerCase()]: operation(route, operationId) };
  }
  return {
    openapi: '3.1.0',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: `${input.project.name} API`,
      version: '1',
      description: `Public interfaces of project "${input.project.slug}". Every call needs an X-API-Key header.`,
    },
    servers: [{ url: `${input.baseUrl.replace(/\/+$/, '')}/api/v1` }],
    security: [{ apiKey: [] }],
    paths,
    components: {
      securitySchemes: { apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' } },
      schemas: { Problem: problemSchema },
      responses: {
        Problem: {
          description: 'An error, as an RFC 9457 problem with a request id.',
          content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
        },
      },
    },
  };
}
