import type { App } from '../app.js';
import type { AuthUser } from '../auth/jwt.js';
import { type Tx, withUserTransaction } from '../db/tx.js';
import type { Services } from '../services.js';
import { type DemoRouteKey, ordersInterfaces, ordersService } from './demo-orders-api.js';

/**
 * Seeds (idempotently) what the dev command prints a working `curl` for: a project whose
 * namespace the example worker serves, the `orders` service with an interface of each type,
 * all of them published, and a fresh API key (an earlier `demo` key is revoked: its
 * plaintext was never stored, so it could not be printed again). Everything is written
 * through the services as `userId`, in one transaction, with audit rows.
 */
export interface SeedDemoOptions {
  app: Pick<App, 'database' | 'services'>;
  userId: string;
  projectSlug?: string;
  /** Must be served by the worker; the worker's defaults are namespace `default`, queue `wfb-examples`. */
  namespace?: string;
  taskQueue?: string;
  keyName?: string;
  /** Base of the printed URLs; defaults to PUBLIC_BASE_URL (or http://HOST:PORT). */
  baseUrl?: string;
}

export interface DemoCall {
  label: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** The same call as a shell command. */
  command: string;
}

export interface DemoSeed {
  project: { id: string; slug: string; namespace: string };
  service: { id: string; name: string; workflowType: string; taskQueue: string };
  routes: Record<DemoRouteKey, { id: string; method: string; path: string; url: string }>;
  apiKey: { id: string; plaintext: string };
  /** Starts order `demo-order-1`; works as printed, again and again (Idempotency-Key). */
  curl: DemoCall;
  /** The order's next steps: add an item, set the address, read it, approve it. */
  examples: DemoCall[];
}

export const demoDefaults = { projectSlug: 'demo', namespace: 'default', taskQueue: 'wfb-examples', keyName: 'demo' };
const demoOrderId = 'demo-order-1';

const quote = (value: string) => `'${value.replaceAll("'", "'\\''")}'`;

function demoCall(label: string, method: string, url: string, apiKey: string, body?: unknown, extra = {}): DemoCall {
  const headers: Record<string, string> = {
    'X-API-Key': apiKey,
    ...(body !== undefined && { 'Content-Type': 'application/json' }),
    ...extra,
  };
  const json = body === undefined ? undefined : JSON.stringify(body);
  const parts = [
    'curl',
    '-sS',
    '-X',
    method,
    quote(url),
    ...Object.entries(headers).flatMap(([name, value]) => ['-H', quote(`${name}: ${value}`)]),
  ];
  if (json !== undefined) parts.push('-d', quote(json));
  return { label, method, url, headers, body: json, command: parts.join(' ') };
}

async function seedRows(
  services: Services,
  tx: Tx,
  user: AuthUser,
  options: Required<Omit<SeedDemoOptions, 'app' | 'userId' | 'baseUrl'>>,
) {
  const projects = await services.projects.list(tx, user);
  const project =
    projects.find((candidate) => candidate.slug === options.projectSlug) ??
    (await services.projects.create(tx, user, {
      slug: options.projectSlug,
      name: 'Demo',
      temporalNamespace: options.namespace,
    }));
  const existingServices = await services.workflows.list(tx, user, project.id);
  const existing = existingServices.find((candidate) => candidate.name === ordersService.name);
  const wanted = {
    displayName: ordersService.displayName,
    description: ordersService.description,
    workflowType: ordersService.workflowType,
    taskQueue: options.taskQueue,
  };
  const service = existing
    ? await services.workflows.update(tx, user, { id: existing.id, ...wanted })
    : await services.workflows.create(tx, user, {
        projectId: project.id,
        name: ordersService.name,
        ...wanted,
        workflowIdSource: { mode: 'path_param', param: ordersService.workflowIdParam },
      });
  const interfaces = await services.serviceInterfaces.list(tx, user, { projectId: project.id, serviceId: service.id });
  const routes: Partial<DemoSeed['routes']> = {};
  for (const definition of ordersInterfaces) {
    const found = interfaces.find((candidate) => candidate.name === definition.name);
    const serviceInterface =
      found ??
      (await services.serviceInterfaces.create(tx, user, {
        serviceId: service.id,
        name: definition.name,
        displayName: definition.displayName,
        type: definition.type,
        callableName: definition.callableName,
        inputSchema: definition.inputSchema,
        outputSchema: definition.outputSchema,
      }));
    const published = await services.publicInterfaces.list(tx, user, {
      projectId: project.id,
      serviceInterfaceId: serviceInterface.id,
    });
    for (const route of definition.routes) {
      const publicInterface =
        published.find((candidate) => candidate.method === route.method && candidate.path === route.path) ??
        (await services.publicInterfaces.create(tx, user, {
          serviceInterfaceId: serviceInterface.id,
          method: route.method,
          path: route.path,
        }));
      routes[route.key as DemoRouteKey] = publicInterface;
    }
  }
  for (const key of await services.apiKeys.list(tx, user, { projectId: project.id })) {
    if (key.name === options.keyName) await services.apiKeys.revoke(tx, user, key.id);
  }
  const created = await services.apiKeys.create(tx, user, { projectId: project.id, name: options.keyName });
  return { project, service, routes: routes as DemoSeed['routes'], created };
}

export async function seedDemo(options: SeedDemoOptions): Promise<DemoSeed> {
  const settings = {
    projectSlug: options.projectSlug ?? demoDefaults.projectSlug,
    namespace: options.namespace ?? demoDefaults.namespace,
    taskQueue: options.taskQueue ?? demoDefaults.taskQueue,
    keyName: options.keyName ?? demoDefaults.keyName,
  };
  const user: AuthUser = {
    id: options.userId,
    email: undefined,
    claims: { sub: options.userId, role: 'authenticated' },
  };
  const seeded = await withUserTransaction(options.app.database.db, user.claims, (tx) =>
    seedRows(options.app.services, tx, user, settings),
  );
  const rebase = (url: string) =>
    options.baseUrl ? url.replace(/^https?:\/\/[^/]+/, options.baseUrl.replace(/\/+$/, '')) : url;
  const routes = Object.fromEntries(
    Object.entries(seeded.routes).map(([key, route]) => [
      key,
      { id: route.id, method: route.method, path: route.path, url: rebase(route.url) },
    ]),
  ) as DemoSeed['routes'];
  const orderUrl = (key: DemoRouteKey) => routes[key].url.replace('{orderId}', demoOrderId);
  const plaintext = seeded.created.plaintext;
  const address = { street: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };
  return {
    project: { id: seeded.project.id, slug: seeded.project.slug, namespace: seeded.project.temporal_namespace },
    service: {
      id: seeded.service.id,
      name: seeded.service.name,
      workflowType: seeded.service.workflowType,
      taskQueue: seeded.service.taskQueue,
    },
    routes,
    apiKey: { id: seeded.created.key.id, plaintext },
    curl: demoCall(
      'start order demo-order-1',
      'POST',
      orderUrl('createOrder'),
      plaintext,
      { customer: 'ada' },
      {
        'Idempotency-Key': demoOrderId,
      },
    ),
    examples: [
      demoCall('add an item', 'POST', orderUrl('addItem'), plaintext, { sku: 'sku-coffee', quantity: 2 }),
      demoCall('set the shipping address', 'PUT', orderUrl('setShippingAddress'), plaintext, address),
      demoCall('read the order', 'GET', orderUrl('getOrder'), plaintext),
      demoCall('approve it', 'POST', orderUrl('approve'), plaintext, undefined, {
        'Idempotency-Key': 'demo-approve-1',
      }),
    ],
  };
}
