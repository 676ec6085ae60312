import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { createDatabase } from '@wfb/core/db/driver.js';
import { createLogger } from '@wfb/core/logger.js';
import { getOrderQuery } from '@wfb/worker/examples/orders.contract.js';
import { runExampleWorkers } from '@wfb/worker/examples/run-examples.js';
import { startTemporalDevServer } from '@wfb/worker/testing/temporal-dev-server.js';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { createApp } from '../src/app.js';
import { withUserTransaction } from '../src/db/tx.js';
import { seedDemo } from '../src/dev/demo-seed.js';
import { parseEnv } from '../src/env.js';
import { type LatencySummary, ratio, summarize } from './bench-utils.js';

/**
 * `pnpm bench:gateway`: the same workflow query through the public gateway (HTTP, X-API-Key,
 * per-key and per-interface limits, JSON Schema validation of the body, Temporal call with a
 * deadline) and through a bare @temporalio/client, in one run, at the same concurrency.
 * Everything runs on this machine: a Temporal dev server, the example worker, the app, and
 * the load generators (autocannon for HTTP; N concurrent loops for the direct client).
 * A second, single-connection pair shows the added latency of an unsaturated gateway: at
 * 32 connections on a small machine both paths queue, so their p50s mostly reflect throughput.
 * Options: --connections 32 --duration 10 (seconds).
 */
const { values: options } = parseArgs({
  options: { connections: { type: 'string', default: '32' }, duration: { type: 'string', default: '10' } },
});
const connections = Number(options.connections);
const durationSeconds = Number(options.duration);
const namespace = 'default';
const taskQueue = `bench-${randomUUID()}`;
const orderId = `bench-order-${randomUUID()}`;
const queryBody = { verbose: true };

async function directRun(client: Client, seconds: number, concurrency = connections): Promise<LatencySummary> {
  const handle = client.workflow.getHandle(orderId);
  const samples: number[] = [];
  const started = performance.now();
  const until = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const before = performance.now();
        await handle.query<unknown, [unknown]>(getOrderQuery.name, queryBody);
        samples.push(performance.now() - before);
      }
    }),
  );
  return summarize(samples, started);
}

async function gatewayRun(url: string, headers: Record<string, string>, seconds: number): Promise<LatencySummary> {
  const result = await autocannon({
    url,
    method: 'POST',
    headers,
    body: JSON.stringify(queryBody),
    connections,
    duration: seconds,
  });
  if (result.non2xx > 0 || result.errors > 0) {
    throw new Error(`gateway run had ${result.non2xx} non-2xx responses and ${result.errors} errors`);
  }
  return {
    count: result.requests.total,
    opsPerSecond: result.requests.total / (result.duration || seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}

/** Sub-millisecond timing for the unsaturated pair (autocannon reports whole milliseconds). */
async function httpLoop(url: string, headers: Record<string, string>, seconds: number): Promise<LatencySummary> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: 1 });
  const body = JSON.stringify(queryBody);
  const samples: number[] = [];
  const started = performance.now();
  try {
    while (performance.now() < started + seconds * 1000) {
      const before = performance.now();
      const response = await pool.request({ path: target.pathname, method: 'POST', headers, body });
      await response.body.text();
      if (response.statusCode !== 200) throw new Error(`gateway answered ${response.statusCode}`);
      samples.push(performance.now() - before);
    }
  } finally {
    await pool.close();
  }
  return summarize(samples, started);
}

function row(label: string, summary: LatencySummary): string {
  return `${label.padEnd(34)} ${summary.opsPerSecond.toFixed(0).padStart(8)} req/s   p50 ${summary.p50Ms
    .toFixed(2)
    .padStart(7)} ms   p99 ${summary.p99Ms.toFixed(2).padStart(7)} ms   (n=${summary.count})`;
}

async function main() {
  const logger = createLogger({ level: 'silent' });
  const server = await startTemporalDevServer({ namespaces: [namespace] });
  const workers = await runExampleWorkers({
    address: server.address,
    namespaces: [namespace],
    taskQueue,
    logger: createLogger({ level: 'warn' }),
  });
  const database = await createDatabase({ pgliteDataDir: 'memory://' });
  const env = parseEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    TEMPORAL_ADDRESS: server.address,
    TEMPORAL_ALLOWED_NAMESPACES: namespace,
    SUPABASE_JWT_SECRET: 'bench-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz',
    API_KEY_PEPPER: 'bench-pepper-0123456789abcdefghijklmnopqrstuvwxyz',
    API_KEY_ENV: 'bench',
    DATA_DIR: '.data/bench-unused',
  });
  const app = await createApp(env, logger, { database });
  const directConnection = await Connection.connect({ address: server.address });
  try {
    await app.server.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.server.address();
    if (!address || typeof address === 'string') throw new Error('no address');
    const baseUrl = `http://127.0.0.1:${address.port}`;
    const userId = randomUUID();
    const seed = await seedDemo({ app, userId, projectSlug: 'bench', namespace, taskQueue, baseUrl });

    // A query published with a validated JSON body, an interface limit and a key limit, all generous.
    const user = { id: userId, email: undefined, claims: { sub: userId, role: 'authenticated' } };
    const { route, key } = await withUserTransaction(database.db, user.claims, async (tx) => {
      const checked = await app.services.serviceInterfaces.create(tx, user, {
        serviceId: seed.service.id,
        name: 'get-order-checked',
        type: 'query',
        callableName: getOrderQuery.name,
        inputSchema: { type: 'object', properties: { verbose: { type: 'boolean' } }, additionalProperties: false },
      });
      const published = await app.services.publicInterfaces.create(tx, user, {
        serviceInterfaceId: checked.id,
        method: 'POST',
        path: '/orders/{orderId}/read',
        rateLimitPerMinute: 1_000_000,
      });
      const created = await app.services.apiKeys.create(tx, user, {
        projectId: seed.project.id,
        name: 'bench',
        rateLimitPerMinute: 1_000_000,
      });
      return { route: published, key: created.plaintext };
    });
    const headers = { 'x-api-key': key, 'content-type': 'application/json' };
    const url = route.url.replace(/^https?:\/\/[^/]+/, baseUrl).replace('{orderId}', orderId);
    const start = await fetch(seed.routes.createOrder.url.replace('{orderId}', orderId), {
      method: 'POST',
      headers,
      body: JSON.stringify({ customer: 'bench' }),
    });
    if (start.status !== 201) throw new Error(`could not start the order: ${start.status} ${await start.text()}`);
    const probe = await fetch(url, { method: 'POST', headers, body: JSON.stringify(queryBody) });
    if (probe.status !== 200) throw new Error(`gateway query failed: ${probe.status} ${await probe.text()}`);

    const client = new Client({ connection: directConnection, namespace });
    await directRun(client, 2);
    await gatewayRun(url, headers, 2);
    const direct = await directRun(client, durationSeconds);
    const gateway = await gatewayRun(url, headers, durationSeconds);
    const latencySeconds = Math.max(3, Math.round(durationSeconds / 2));
    const directSingle = await directRun(client, latencySeconds, 1);
    const gatewaySingle = await httpLoop(url, headers, latencySeconds);
    const rssMiB = process.memoryUsage().rss / 1024 / 1024;

    process.stdout.write(
      `\ngateway vs direct Temporal query (${connections} concurrent, ${durationSeconds} s each, ` +
        `node ${process.version}, ${cpus().length} CPUs, one process: app + worker + load generators)\n`,
    );
    process.stdout.write(`${row('direct @temporalio/client query', direct)}\n`);
    process.stdout.write(`${row('gateway POST /api/v1/<hash>/…', gateway)}\n`);
    process.stdout.write('\nratios\n');
    process.stdout.write(`  gateway / direct throughput    ${ratio(gateway.opsPerSecond, direct.opsPerSecond)}\n`);
    process.stdout.write(`  gateway / direct p50           ${ratio(gateway.p50Ms, direct.p50Ms)}\n`);
    process.stdout.write(`  gateway / direct p99           ${ratio(gateway.p99Ms, direct.p99Ms)}\n`);
    process.stdout.write(`  added p50                      ${(gateway.p50Ms - direct.p50Ms).toFixed(2)} ms\n`);
    process.stdout.write(`\nunsaturated latency (1 connection, ${latencySeconds} s each; HTTP timed with undici)\n`);
    process.stdout.write(`${row('direct @temporalio/client query', directSingle)}\n`);
    process.stdout.write(`${row('gateway POST /api/v1/<hash>/…', gatewaySingle)}\n`);
    process.stdout.write(
      `  gateway / direct throughput    ${ratio(gatewaySingle.opsPerSecond, directSingle.opsPerSecond)}\n`,
    );
    process.stdout.write(
      `  added p50                      ${(gatewaySingle.p50Ms - directSingle.p50Ms).toFixed(2)} ms\n`,
    );
    process.stdout.write(`\nRSS after the run: ${rssMiB.toFixed(0)} MiB\n`);
  } finally {
    await directConnection.close();
    await app.close();
    await database.close();
    await workers.shutdown();
    await server.stop();
  }
}

await main();
