import { randomUUID } from 'node:crypto';
import type { DriverKind } from '../../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../../test/test-app.js';
import type { KongTransportOptions } from '../admin-transport.js';
import type { KongController } from '../kong-controller.js';
import { interfaceName } from '../kong-types.js';
import type { KongMode } from '../sync-results.js';
import { type KongStandIn, startKongStandIn } from './stand-in.js';

/**
 * A test app with the Kong controller on, pointed at a fresh stand-in, plus a project whose
 * singleton service can be published as many times as a test needs (GET /s<n>). Timings are
 * short (debounce, backoff) and the client does not retry, so faults show up at once.
 */
export interface ControllerHarness {
  kong: KongStandIn;
  testApp: TestApp;
  controller: KongController;
  owner: string;
  operator: string;
  projectId: string;
  publish(options?: { rateLimitPerMinute?: number | null; enabled?: boolean }): Promise<string>;
  caller(): ReturnType<typeof callerFor>;
  statusOf(publicInterfaceId: string): Promise<string | undefined>;
  /** Kong's route of the interface, as Kong stores it. */
  routeOf(publicInterfaceId: string): Record<string, unknown> | undefined;
  pluginsOf(publicInterfaceId: string): Record<string, unknown>[];
  /** Log lines (parsed) of the Kong reconciler with this message. */
  logLines(message: string): number;
  close(): Promise<void>;
}

export interface HarnessOptions {
  env?: Record<string, string>;
  transport?: Partial<KongTransportOptions>;
}

export async function startControllerHarness(
  kind: DriverKind,
  mode: KongMode,
  options: HarnessOptions = {},
): Promise<ControllerHarness> {
  const kong = await startKongStandIn({ dbless: mode === 'dbless' });
  const operator = randomUUID();
  const owner = randomUUID();
  const testApp = await createTestApp(
    kind,
    {
      KONG_ADMIN_URL: kong.url,
      KONG_UPSTREAM_URL: 'http://builder:3000',
      KONG_MODE: mode,
      KONG_SYNC_INTERVAL_MS: '600000',
      KONG_OPERATOR_USER_IDS: operator,
      ...options.env,
    },
    {
      kong: {
        transport: { retries: 0, timeoutMs: 5_000, ...options.transport },
        reconciler: { debounceMs: 5, backoffInitialMs: 10, backoffMaxMs: 50, leaderIntervalMs: 50 },
      },
    },
  );
  const controller = testApp.app.kong;
  if (!controller) throw new Error('the Kong controller did not start');
  const caller = () => callerFor(testApp, owner);
  const project = await caller().projects.create({ slug: `kong-${kind}-${mode}`, name: 'Kong' });
  const service = await caller().workflows.create({
    projectId: project.id,
    name: 'settings',
    workflowType: 'settingsWorkflow',
    taskQueue: 'q',
    workflowIdSource: { mode: 'fixed', workflowId: 'settings' },
  });
  const read = await caller().serviceInterfaces.create({
    serviceId: service.id,
    name: 'read',
    type: 'query',
    callableName: 'get',
  });
  let published = 0;
  const entities = (collection: 'routes' | 'plugins') => [...kong.store.entities[collection].values()];

  return {
    kong,
    testApp,
    controller,
    owner,
    operator,
    projectId: project.id,
    caller,
    async publish(options = {}) {
      published += 1;
      const created = await caller().publicInterfaces.create({
        serviceInterfaceId: read.id,
        method: 'GET',
        path: `/s${published}`,
        ...(options.rateLimitPerMinute !== undefined && { rateLimitPerMinute: options.rateLimitPerMinute }),
        ...(options.enabled !== undefined && { enabled: options.enabled }),
      });
      return created.id;
    },
    async statusOf(id) {
      const view = await caller().publicInterfaces.get({ id });
      return view.kong?.status;
    },
    routeOf(id) {
      return entities('routes').find((route) => route.name === interfaceName(id));
    },
    pluginsOf(id) {
      return entities('plugins').filter(
        (plugin) => Array.isArray(plugin.tags) && plugin.tags.includes(interfaceName(id)),
      );
    },
    logLines(message) {
      return testApp.logs
        .map((line) => JSON.parse(line) as { msg?: string; controller?: string })
        .filter((line) => line.controller === 'kong' && line.msg === message).length;
    },
    async close() {
      await testApp.close();
      await kong.close();
    },
  };
}
