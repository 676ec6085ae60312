import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { createLogger } from '@wfb/core/logger.js';
import { startTemporalDevServer } from '@wfb/worker/testing/temporal-dev-server.js';
import { callEgress } from '@wfb/worker/workflow/egress-client.js';
import { runStepWorkers } from '@wfb/worker/workflow/testing/run-step-workers.js';
import { connectorEnv } from '../src/domain/connectors/testing/fixtures.js';
import { callerFor, createTestApp } from '../test/test-app.js';
import { formatRow, type LatencySummary, ratio, summarize } from './bench-utils.js';

/**
 * `pnpm bench:http-step`: the same GET to a local server, from inside a Temporal activity,
 * (a) through the control plane's egress (workload auth, namespace → project, connector by
 * name, decrypt + inject an API key, SSRF-checked fetch, redaction, usage audit) and (b) by
 * a plain fetch; then whole workflows: (c) one `http()` step vs (d) one plain-fetch
 * activity. p50/p99 and the ratios. PGlite and a Temporal dev server started here (or
 * TEMPORAL_ADDRESS); all traffic stays on 127.0.0.1.
 */
const loopCalls = Number(process.env.BENCH_CALLS ?? 2_000);
const workflowRuns = Number(process.env.BENCH_WORKFLOWS ?? 200);
const warmup = 100;
const namespace = 'default';
const workerToken = 'bench-worker-token-0123456789abcdefghij';
const out = (line = '') => process.stdout.write(`${line}\n`);

async function main() {
  const upstream = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  const logger = createLogger({ level: 'warn' });
  const devServer = process.env.TEMPORAL_ADDRESS
    ? undefined
    : await startTemporalDevServer({ namespaces: [namespace], cliPath: process.env.TEMPORAL_CLI_PATH, logger });
  const temporalAddress = process.env.TEMPORAL_ADDRESS ?? devServer?.address ?? '';
  const testApp = await createTestApp('pglite', connectorEnv({ WORKER_TOKEN: workerToken, LOG_LEVEL: 'warn' }));
  await testApp.app.server.listen({ host: '127.0.0.1', port: 0 });
  const controlPlane = {
    url: `http://127.0.0.1:${(testApp.app.server.server.address() as AddressInfo).port}`,
    token: workerToken,
  };
  const owner = randomUUID();
  const caller = callerFor(testApp, owner);
  const project = await caller.projects.create({ slug: 'bench', name: 'Bench', temporalNamespace: namespace });
  await caller.connectors.create({
    projectId: project.id,
    name: 'bench',
    baseUrl: upstreamUrl,
    auth: { type: 'api_key', placement: 'header', name: 'X-Key', apiKey: 'bench-api-key-0123456789abcdef' },
    maxRetries: 0,
  });

  // Loops run inside one activity each, so both paths pay the same activity context and event loop.
  async function loop(n: number, call: () => Promise<void>): Promise<number[]> {
    const samples: number[] = [];
    for (let i = 0; i < n; i += 1) {
      const before = performance.now();
      await call();
      samples.push(performance.now() - before);
    }
    return samples;
  }
  const benchActivities = {
    async benchEgressLoop(n: number): Promise<number[]> {
      // The same request the HTTP step activity sends (it takes the namespace from its context).
      const workflow = { id: 'bench', runId: '', type: 'activityProbe' };
      return loop(n, async () => {
        const reply = await callEgress(controlPlane, {
          namespace,
          workflow,
          connector: 'bench',
          method: 'GET',
          path: '/ping',
        });
        if (reply.kind !== 'response' || reply.status !== 200) throw new Error('egress call failed');
      });
    },
    async benchPlainLoop(n: number): Promise<number[]> {
      return loop(n, async () => {
        const response = await fetch(`${upstreamUrl}/ping`);
        await response.text();
        if (response.status !== 200) throw new Error('plain call failed');
      });
    },
    async benchPlainOnce(): Promise<number> {
      const response = await fetch(`${upstreamUrl}/ping`);
      await response.text();
      return response.status;
    },
  };
  const taskQueue = `bench-http-step-${randomUUID()}`;
  const workers = await runStepWorkers({
    address: temporalAddress,
    namespace,
    taskQueue,
    logger,
    controlPlane,
    extraActivities: benchActivities,
  });
  const connection = await Connection.connect({ address: temporalAddress });
  const client = new Client({ connection, namespace });
  const execute = (type: string, args: unknown[]) =>
    client.workflow.execute(type, { args, taskQueue, workflowId: `bench-${randomUUID()}` });

  async function inActivity(name: string, n: number): Promise<LatencySummary> {
    await execute('activityProbe', [name, warmup]);
    const started = performance.now();
    const samples = (await execute('activityProbe', [name, n])) as number[];
    return summarize(samples, started);
  }
  async function workflows(type: string, args: unknown[]): Promise<LatencySummary> {
    for (let i = 0; i < 10; i += 1) await execute(type, args);
    const samples: number[] = [];
    const started = performance.now();
    for (let i = 0; i < workflowRuns; i += 1) {
      const before = performance.now();
      await execute(type, args);
      samples.push(performance.now() - before);
    }
    return summarize(samples, started);
  }

  try {
    out(
      `HTTP step benchmark (${loopCalls} calls per loop, ${workflowRuns} workflows per kind; PGlite; local upstream)`,
    );
    const viaEgress = await inActivity('benchEgressLoop', loopCalls);
    const plain = await inActivity('benchPlainLoop', loopCalls);
    out(formatRow('(a) in activity: via control plane + inject', viaEgress));
    out(formatRow('(b) in activity: plain fetch', plain));
    out(`    ratio a/b: p50 ${ratio(viaEgress.p50Ms, plain.p50Ms)}  p99 ${ratio(viaEgress.p99Ms, plain.p99Ms)}`);
    const stepWorkflows = await workflows('httpStepProbe', [{ connector: 'bench', path: '/ping' }]);
    const plainWorkflows = await workflows('activityProbe', ['benchPlainOnce', null]);
    out(formatRow('(c) workflow with one http() step', stepWorkflows));
    out(formatRow('(d) workflow with one plain-fetch activity', plainWorkflows));
    out(
      `    ratio c/d: p50 ${ratio(stepWorkflows.p50Ms, plainWorkflows.p50Ms)}  p99 ${ratio(stepWorkflows.p99Ms, plainWorkflows.p99Ms)}`,
    );
  } finally {
    await connection.close();
    await workers.shutdown();
    await testApp.close();
    await devServer?.stop();
    upstream.close();
  }
}

await main();
