import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { Client, Connection } from '@temporalio/client';
import { createLogger } from '@wfb/core/logger.js';
import type { RunningWorkers } from '@wfb/worker/run-workers.js';
import type { TemporalTestNamespace } from '@wfb/worker/testing/temporal-test-context.js';
import type {
  HttpOptions,
  HttpResult,
  WebhookOptions,
  WebhookResult,
} from '@wfb/worker/workflow/http-step.contract.js';
import { runStepWorkers } from '@wfb/worker/workflow/testing/run-step-workers.js';
import type { StepReport } from '@wfb/worker/workflow/testing/step-workflows.js';
import { connectorEnv } from '../../src/domain/connectors/testing/fixtures.js';
import { driverKinds } from '../databases.js';
import { callerFor, createTestApp, type TestApp } from '../test-app.js';

/**
 * End-to-end HTTP steps: the control plane listening on 127.0.0.1 (its egress enabled by a
 * worker token), a worker running the probe workflows whose activity calls that egress, a
 * project owning `namespace`, and every workflow history kept for secret scans. Runs on
 * the real Postgres when the run has one, else PGlite (the egress itself is tested on both).
 */
export const workerToken = 'step-harness-worker-token-0123456789abcdef';

export interface StepHarness {
  testApp: TestApp;
  client: Client;
  projectId: string;
  owner: string;
  controlPlaneUrl: string;
  workerLogs: string[];
  taskQueue: string;
  http(options: HttpOptions): Promise<StepReport<HttpResult>>;
  webhook(options: WebhookOptions): Promise<StepReport<WebhookResult>>;
  /** Starts a probe workflow and returns its id (for history checks). */
  start(type: 'httpStepProbe' | 'webhookStepProbe' | 'httpStepUncaught', options: unknown): Promise<string>;
  /** The histories of every workflow this harness started (and their webhook children), as JSON. */
  histories(): Promise<string>;
  close(): Promise<void>;
}

export async function startStepHarness(options: {
  temporalAddress: string;
  namespace: TemporalTestNamespace;
  env?: Record<string, string>;
}): Promise<StepHarness> {
  const kind = driverKinds.at(-1) ?? 'pglite';
  const testApp = await createTestApp(
    kind,
    connectorEnv({ WORKER_TOKEN: workerToken, EGRESS_MAX_RESPONSE_BYTES: '4096', ...options.env }),
  );
  await testApp.app.server.listen({ host: '127.0.0.1', port: 0 });
  const { port } = testApp.app.server.server.address() as AddressInfo;
  const controlPlaneUrl = `http://127.0.0.1:${port}`;
  const owner = randomUUID();
  const projectId = (
    await callerFor(testApp, owner).projects.create({
      slug: `steps-${randomUUID().slice(0, 8)}`,
      name: 'Steps',
      temporalNamespace: options.namespace,
    })
  ).id;
  const workerLogs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      workerLogs.push(String(chunk));
      callback();
    },
  });
  const taskQueue = `http-steps-${randomUUID()}`;
  const workers: RunningWorkers = await runStepWorkers({
    address: options.temporalAddress,
    namespace: options.namespace,
    taskQueue,
    logger: createLogger({ level: 'info', destination }),
    controlPlane: { url: controlPlaneUrl, token: workerToken },
  });
  const connection = await Connection.connect({ address: options.temporalAddress });
  const client = new Client({ connection, namespace: options.namespace });
  const started: string[] = [];

  async function start(type: string, input: unknown): Promise<string> {
    const workflowId = `${type}-${randomUUID()}`;
    await client.workflow.start(type, { args: [input], taskQueue, workflowId });
    started.push(workflowId);
    return workflowId;
  }

  async function historyOf(workflowId: string): Promise<string> {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    return historyText(history);
  }

  return {
    testApp,
    client,
    projectId,
    owner,
    controlPlaneUrl,
    workerLogs,
    taskQueue,
    start,
    async http(input) {
      return client.workflow.getHandle(await start('httpStepProbe', input)).result();
    },
    async webhook(input) {
      return client.workflow.getHandle(await start('webhookStepProbe', input)).result();
    },
    async histories() {
      const parents = await Promise.all(started.map(historyOf));
      // Fire-and-forget children are named in their parent's history.
      const children = parents.flatMap((text) =>
        [...text.matchAll(/"workflowId":"([^"]+-webhook-[0-9a-f-]{36})"/g)].map((match) => match[1] ?? ''),
      );
      const childHistories = await Promise.all([...new Set(children)].map(historyOf));
      return [...parents, ...childHistories].join('\n');
    },
    async close() {
      await Promise.all(
        started.map((id) =>
          client.workflow
            .getHandle(id)
            .terminate('test cleanup')
            .catch(() => undefined),
        ),
      );
      await connection.close();
      await workers.shutdown();
      await testApp.close();
    },
  };
}

/**
 * A history as searchable text: payloads (inputs, results, failure details) are bytes,
 * which the protobuf JSON form prints as base64, so every `data` field is decoded too.
 */
export function historyText(history: unknown): string {
  return JSON.stringify(history, (key, value: unknown) =>
    key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value,
  );
}
