import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { createLogger } from '@wfb/core/logger.js';
import type { ConnectorDemoInput, ConnectorDemoResult } from '@wfb/worker/examples/connector-demo.contract.js';
import { runExampleWorkers } from '@wfb/worker/examples/run-examples.js';
import type { RunningWorkers } from '@wfb/worker/run-workers.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { createTestApp, type TestApp } from '../../test/test-app.js';
import { connectorEnv } from '../domain/connectors/testing/fixtures.js';
import { type DemoEcho, demoConnectorName, seedHttpDemo, startDemoEcho, withLoopback } from './demo-http.js';
import { seedDemo } from './demo-seed.js';

/**
 * The dev command's HTTP-step demo as the dev command wires it: the demo project, the echo
 * API on loopback (allow-listed for this app only), the `demo-echo` connector, the example
 * worker with the control plane's URL and token, and the printed workflow run.
 */
const namespace = 'wfb-test-a';
const taskQueue = `demo-http-${randomUUID()}`;
const workerToken = 'demo-http-worker-token-0123456789abcdef';
const userId = randomUUID();
const logger = createLogger({ level: 'warn' });
let testApp: TestApp;
let echoes: DemoEcho[] = [];
let workers: RunningWorkers;
let connection: Connection;
let lines: string[];

beforeAll(async () => {
  testApp = await createTestApp(
    driverKinds.at(-1) ?? 'pglite',
    connectorEnv({ WORKER_TOKEN: workerToken, OUTBOUND_ALLOW_CIDRS: withLoopback('10.9.0.0/16') }),
  );
  await testApp.app.server.listen({ host: '127.0.0.1', port: 0 });
  const controlPlaneUrl = `http://127.0.0.1:${(testApp.app.server.server.address() as AddressInfo).port}`;
  const demo = await seedDemo({ app: testApp.app, userId, namespace, taskQueue });
  echoes = [await startDemoEcho(logger), await startDemoEcho(logger)];
  const seed = (echo: DemoEcho) =>
    seedHttpDemo({
      app: testApp.app,
      userId,
      projectId: demo.project.id,
      echo,
      temporalAddress: inject('temporalAddress'),
      namespace,
      taskQueue,
      temporalCli: 'temporal',
    });
  await seed(echoes[0] as DemoEcho);
  // A second run of the dev command gets a new echo port: the connector follows it.
  lines = await seed(echoes[1] as DemoEcho);
  workers = await runExampleWorkers({
    address: inject('temporalAddress'),
    namespaces: [namespace],
    taskQueue,
    logger,
    controlPlane: { url: controlPlaneUrl, token: workerToken },
  });
  connection = await Connection.connect({ address: inject('temporalAddress') });
});
afterAll(async () => {
  await connection?.close();
  await workers?.shutdown();
  await Promise.all(echoes.map((echo) => echo.close()));
  await testApp?.close();
});

describe('dev command HTTP-step demo', () => {
  it('keeps loopback in the allow-list it extends, once', () => {
    expect(withLoopback('')).toBe('127.0.0.1/32');
    expect(withLoopback('10.0.0.0/8, 127.0.0.1/32')).toBe('10.0.0.0/8,127.0.0.1/32');
  });

  it('runs the example workflow as printed: the key is injected upstream and redacted in the result', async () => {
    expect(lines.join('\n')).toContain(
      `--namespace ${namespace} --task-queue ${taskQueue} --type connectorDemoWorkflow --input '{"connector":"${demoConnectorName}","orderId":"demo-order-1"}'`,
    );
    const client = new Client({ connection, namespace });
    const result = await client.workflow.execute<(input: ConnectorDemoInput) => Promise<ConnectorDemoResult>>(
      'connectorDemoWorkflow',
      {
        args: [{ connector: demoConnectorName, orderId: 'demo-order-1' }],
        taskQueue,
        workflowId: `connector-demo-${randomUUID()}`,
      },
    );
    expect(result).toMatchObject({
      status: 200,
      selected: { path: ['/v1/orders/demo-order-1?expand=items'], injectedKey: ['[redacted]'] },
      notice: { outcome: 'scheduled' },
    });
    const notice = result.notice as { workflowId: string };
    expect(await client.workflow.getHandle(notice.workflowId).result()).toMatchObject({
      outcome: 'delivered',
      status: 200,
      body: {
        method: 'POST',
        path: '/v1/notifications',
        body: '{"text": "order demo-order-1 fetched with status 200"}',
      },
    });
  });
});
