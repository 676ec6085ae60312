import { randomUUID } from 'node:crypto';
import { createTRPCClient, httpLink } from '@trpc/client';
import { getOrderQuery } from '@wfb/worker/examples/orders.contract.js';
import type { AppRouter } from '../src/app-router.js';
import { mintToken } from '../src/auth/jwt.js';
import { ordersInterfaces, ordersService } from '../src/dev/demo-orders-api.js';

/**
 * Sets up the benchmarked API the way a real client does: a signed-in user (a JWT signed with
 * the secret the API was given) calling tRPC over HTTP. Publishes the orders workflow's start
 * and a query with a JSON Schema on its body, both with generous interface limits, and a key
 * with a generous limit, so the bench measures the gateway's work, never a 429.
 */
export interface SeededGateway {
  headers: Record<string, string>;
  /** POST: starts the order named in the URL. */
  startUrl: string;
  /** POST `{ verbose: boolean }`: queries that order. */
  queryUrl: string;
}

const generous = 1_000_000;

function routeUrl(apiUrl: string, route: { routeHash: string; path: string }, orderId: string): string {
  return `${apiUrl}/api/v1/${route.routeHash}${route.path.replace('{orderId}', encodeURIComponent(orderId))}`;
}

export async function seedThroughApi(options: {
  apiUrl: string;
  jwtSecret: string;
  namespace: string;
  taskQueue: string;
  orderId: string;
}): Promise<SeededGateway> {
  const token = await mintToken({ secret: options.jwtSecret, userId: randomUUID() });
  const trpc = createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${options.apiUrl}/trpc`, headers: { authorization: `Bearer ${token}` } })],
  });

  const project = await trpc.projects.create.mutate({
    slug: `bench-${randomUUID().slice(0, 8)}`,
    name: 'Gateway bench',
    temporalNamespace: options.namespace,
  });
  const service = await trpc.workflows.create.mutate({
    projectId: project.id,
    name: ordersService.name,
    workflowType: ordersService.workflowType,
    taskQueue: options.taskQueue,
    workflowIdSource: { mode: 'path_param', param: ordersService.workflowIdParam },
  });
  const createOrder = ordersInterfaces.find((definition) => definition.type === 'start');
  if (!createOrder) throw new Error('the orders API has no start interface');
  const start = await trpc.serviceInterfaces.create.mutate({
    serviceId: service.id,
    name: createOrder.name,
    type: 'start',
    inputSchema: createOrder.inputSchema,
  });
  const query = await trpc.serviceInterfaces.create.mutate({
    serviceId: service.id,
    name: 'get-order-checked',
    type: 'query',
    callableName: getOrderQuery.name,
    inputSchema: { type: 'object', properties: { verbose: { type: 'boolean' } }, additionalProperties: false },
  });
  const startRoute = await trpc.publicInterfaces.create.mutate({
    serviceInterfaceId: start.id,
    method: 'POST',
    path: '/orders/{orderId}',
    rateLimitPerMinute: generous,
  });
  const queryRoute = await trpc.publicInterfaces.create.mutate({
    serviceInterfaceId: query.id,
    method: 'POST',
    path: '/orders/{orderId}/read',
    rateLimitPerMinute: generous,
  });
  const key = await trpc.apiKeys.create.mutate({ projectId: project.id, name: 'bench', rateLimitPerMinute: generous });
  return {
    headers: { 'x-api-key': key.plaintext, 'content-type': 'application/json' },
    startUrl: routeUrl(options.apiUrl, startRoute, options.orderId),
    queryUrl: routeUrl(options.apiUrl, queryRoute, options.orderId),
  };
}
