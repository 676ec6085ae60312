import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { createDatabase, type Database } from '@wfb/core/db/driver.js';
import { createLogger } from '@wfb/core/logger.js';
import { type RunningFleet, runFleet } from '@wfb/worker/fleet/run-fleet.js';
import type { CallOnceInput, CallOnceResult } from '@wfb/worker/nexus/testing/caller-test.workflow.js';
import { nexusTestWorkflowsPath } from '@wfb/worker/nexus/testing/test-workflows-path.js';
import { ordersInterfaces, ordersService } from '../src/dev/demo-orders-api.js';
import type { DriverKind } from './databases.js';
import { eventually } from './eventually.js';
import { callerFor, createTestApp, type TestApp } from './test-app.js';

/**
 * Two projects on a real Temporal dev server (namespaces wfb-test-a → wfb-test-b), the real
 * control plane with its endpoint controller, and a real worker fleet serving both
 * namespaces (plus `default`) with the Nexus handler, reading policy as role `wfb_worker` on
 * Postgres (in-process on PGlite). The target project runs the example `orders` service with
 * every interface, and a `greeter` service whose start returns a result.
 */
export const sourceNamespace = 'wfb-test-a';
export const targetNamespace = 'wfb-test-b';

export interface NexusHarness {
  testApp: TestApp;
  fleet: RunningFleet;
  admin: string;
  sourceId: string;
  targetId: string;
  taskQueue: string;
  nexusTaskQueue: string;
  /** Every line the worker fleet logged. */
  workerLogs: string[];
  client(namespace: string): Promise<Client>;
  connection: Connection;
  /** Creates (as the admin of both: approved at once) and waits until callers can use it. */
  connect(name: string, interfaces: string[], target?: { slug: string; service: string }): Promise<string>;
  waitUsable(connectorId: string): Promise<void>;
  /** Runs one call from a caller workflow in `namespace`; elapsed is measured from outside. */
  callOnce(input: CallOnceInput, namespace?: string): Promise<{ result: CallOnceResult; elapsedMs: number }>;
  close(): Promise<void>;
}

function workerDatabaseUrl(appUrl: string): string {
  const url = new URL(appUrl);
  url.username = 'wfb_worker';
  url.password = '';
  return url.toString();
}

export async function createNexusHarness(options: {
  kind: DriverKind;
  address: string;
  slugPrefix: string;
  env?: Record<string, string>;
}): Promise<NexusHarness> {
  const scope = `test-${randomUUID().slice(0, 8)}`;
  const taskQueue = `nexus-e2e-${randomUUID()}`;
  const nexusTaskQueue = `wfb-nexus-${randomUUID()}`;
  const testApp = await createTestApp(options.kind, {
    TEMPORAL_ADDRESS: options.address,
    NEXUS_ENDPOINT_SCOPE: scope,
    NEXUS_TASK_QUEUE: nexusTaskQueue,
    NEXUS_CONTROLLER_INTERVAL_MS: '1000',
    ...options.env,
  });
  const workerLogs: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk, _encoding, callback) {
        workerLogs.push(String(chunk));
        callback();
      },
    }),
  });
  const url = testApp.database.url;
  const workerDatabase: Database = url
    ? await createDatabase({ databaseUrl: workerDatabaseUrl(url), poolSize: 2 })
    : testApp.database;
  const fleet = await runFleet({
    address: options.address,
    logger,
    namespaces: [sourceNamespace, targetNamespace, 'default'],
    taskQueue,
    nexus: { database: workerDatabase, taskQueue: nexusTaskQueue, allProjects: false },
    workflowsPath: nexusTestWorkflowsPath,
    installRuntime: true,
  });
  const connection = await Connection.connect({ address: options.address });
  const clients = new Map<string, Client>();
  const admin = randomUUID();
  const caller = callerFor(testApp, admin);
  const sourceId = (
    await caller.projects.create({
      slug: `${options.slugPrefix}-a`,
      name: 'Caller',
      temporalNamespace: sourceNamespace,
    })
  ).id;
  const targetId = (
    await caller.projects.create({
      slug: `${options.slugPrefix}-b`,
      name: 'Orders',
      temporalNamespace: targetNamespace,
    })
  ).id;
  const orders = await caller.workflows.create({
    projectId: targetId,
    name: ordersService.name,
    workflowType: ordersService.workflowType,
    taskQueue,
    workflowIdSource: { mode: 'path_param', param: ordersService.workflowIdParam },
  });
  for (const definition of ordersInterfaces) {
    await caller.serviceInterfaces.create({
      serviceId: orders.id,
      name: definition.name,
      type: definition.type,
      ...(definition.callableName && { callableName: definition.callableName }),
      ...(definition.inputSchema && { inputSchema: definition.inputSchema }),
    });
  }
  const greeter = await caller.workflows.create({
    projectId: targetId,
    name: 'greeter',
    workflowType: 'greeterWorkflow',
    taskQueue,
    workflowIdSource: { mode: 'path_param', param: 'id' },
  });
  await caller.serviceInterfaces.create({
    serviceId: greeter.id,
    name: 'greet',
    type: 'start',
    inputSchema: { type: 'object', required: ['name'], properties: { name: { type: 'string' } } },
  });

  async function client(namespace: string) {
    let found = clients.get(namespace);
    if (!found) {
      found = new Client({ connection, namespace });
      clients.set(namespace, found);
    }
    return found;
  }

  async function waitUsable(connectorId: string) {
    const view = await eventuallyValue(async () => {
      const current = await callerFor(testApp, admin).projectConnectors.get({ id: connectorId });
      return current.endpoint.status === 'synced' ? current : undefined;
    });
    const policy = fleet.policy;
    if (!policy) throw new Error('the fleet runs without Nexus');
    await eventually(async () => (await policy.byCaller(sourceNamespace, view.name))?.endpointReady === true, {
      timeoutMs: 10_000,
    });
  }

  return {
    testApp,
    fleet,
    admin,
    sourceId,
    targetId,
    taskQueue,
    nexusTaskQueue,
    workerLogs,
    client,
    connection,
    waitUsable,
    async connect(name, interfaces, target = { slug: `${options.slugPrefix}-b`, service: 'orders' }) {
      const created = await callerFor(testApp, admin).projectConnectors.create({
        projectId: sourceId,
        name,
        target: { projectSlug: target.slug, serviceName: target.service, interfaces },
      });
      await waitUsable(created.id);
      return created.id;
    },
    async callOnce(input, namespace = sourceNamespace) {
      const temporal = await client(namespace);
      const started = performance.now();
      const result = await temporal.workflow.execute<(input: CallOnceInput) => Promise<CallOnceResult>>(
        'callOnceWorkflow',
        { taskQueue, workflowId: `call-once-${randomUUID()}`, args: [input], workflowExecutionTimeout: '2 minutes' },
      );
      return { result, elapsedMs: performance.now() - started };
    },
    async close() {
      await fleet.shutdown();
      await connection.close();
      if (workerDatabase !== testApp.database) await workerDatabase.close();
      await testApp.close();
    },
  };
}

async function eventuallyValue<T>(read: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  let value: T | undefined;
  await eventually(
    async () => {
      value = await read();
      return value !== undefined;
    },
    { timeoutMs, intervalMs: 50 },
  );
  if (value === undefined) throw new Error('no value');
  return value;
}
