import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { getOrderQuery } from '@wfb/worker/examples/orders.contract.js';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { addUsage, memoryMiB, noUsage, type Usage, usageOf } from './bench-processes.js';
import { type LatencySummary, ratio, summarize } from './bench-utils.js';
import { seedThroughApi } from './gateway-seed.js';
import { benchLogDir, startGatewayStand } from './gateway-stand.js';

/**
 * `pnpm bench:gateway`: the same workflow query through the public gateway (HTTP, X-API-Key,
 * per-key and per-interface limits, JSON Schema validation of the body, one Temporal call with
 * a deadline) and through a bare @temporalio/client. The API and the example worker run in
 * their own processes as users run them (see gateway-stand.ts), so the API pays for its
 * production logging and this process is only the load generator and the direct baseline.
 *
 * Two measurements: a saturated run at --connections (both paths queue on a small machine,
 * so p50s there mostly reflect throughput) and the added latency of an unsaturated gateway
 * at one connection, where direct and gateway calls alternate in one-second rounds so a
 * change in the machine's load hits both alike. In the same rounds: GET /healthz, the floor
 * any call through the API pays (HTTP, Fastify), and bare-gateway.ts, a process doing the same
 * query behind node:http and nothing else. Bare − direct is the price of a second process on
 * the path; gateway − bare is the gateway's own work.
 *
 * Options: --connections 32 --duration 10 (seconds) --log-level info (the API's LOG_LEVEL)
 * --cpu-prof (profile the API into .cache/bench/profile; skips the saturated run so the
 * profile shows the one-connection path) --access-log (the API's ACCESS_LOG=true)
 * --api-root <dir> (run the API of another checkout, e.g. an older commit, for an A/B).
 */
const { values: options } = parseArgs({
  // pnpm passes the `--` of `pnpm bench:gateway -- --duration 5` through.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    connections: { type: 'string', default: '32' },
    duration: { type: 'string', default: '10' },
    'log-level': { type: 'string', default: 'info' },
    'cpu-prof': { type: 'boolean', default: false },
    'access-log': { type: 'boolean', default: false },
    'api-root': { type: 'string' },
  },
});
const connections = Number(options.connections);
const durationSeconds = Number(options.duration);
const namespace = 'default';
const taskQueue = `bench-${randomUUID()}`;
const orderId = `bench-order-${randomUUID()}`;
const queryBody = { verbose: true };

async function directLoop(client: Client, seconds: number, concurrency: number, samples: number[] = []) {
  const handle = client.workflow.getHandle(orderId);
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < until) {
        const before = performance.now();
        await handle.query<unknown, [unknown]>(getOrderQuery.name, queryBody);
        samples.push(performance.now() - before);
      }
    }),
  );
  return samples;
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

/** Sub-millisecond timing over one keep-alive connection (autocannon reports whole milliseconds). */
async function httpLoop(
  pool: Pool,
  request: { url: string; method: 'GET' | 'POST'; headers: Record<string, string>; body?: string },
  seconds: number,
  samples: number[],
) {
  const path = new URL(request.url).pathname;
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const before = performance.now();
    const response = await pool.request({ path, method: request.method, headers: request.headers, body: request.body });
    await response.body.text();
    if (response.statusCode !== 200) throw new Error(`${path} answered ${response.statusCode}`);
    samples.push(performance.now() - before);
  }
}

function row(label: string, summary: LatencySummary): string {
  return `${label.padEnd(34)} ${summary.opsPerSecond.toFixed(0).padStart(8)} req/s   p50 ${summary.p50Ms
    .toFixed(2)
    .padStart(7)} ms   p99 ${summary.p99Ms.toFixed(2).padStart(7)} ms   (n=${summary.count})`;
}

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(' ');

function perRequest(spent: Usage, requests: number): string {
  const cpu = Number.isNaN(spent.cpuSeconds) ? '?' : ((spent.cpuSeconds * 1000) / requests).toFixed(2);
  return `${cpu} ms CPU, ${(spent.logBytes / requests).toFixed(0)} log bytes, ${(spent.logLines / requests).toFixed(2)} log lines`;
}

async function main() {
  const loadBefore = load();
  const cpuProfileDir = options['cpu-prof'] ? join(benchLogDir, 'profile') : undefined;
  if (cpuProfileDir) mkdirSync(cpuProfileDir, { recursive: true });
  const stand = await startGatewayStand({
    namespace,
    taskQueue,
    logLevel: options['log-level'],
    cpuProfileDir,
    apiEnv: { ACCESS_LOG: String(options['access-log']) },
    apiRoot: options['api-root'],
  });
  const usage = () => usageOf(stand.api.pid, stand.api.logPath);
  const out = (line = '') => process.stdout.write(`${line}\n`);
  let connection: Connection | undefined;
  try {
    const seeded = await seedThroughApi({
      apiUrl: stand.apiUrl,
      jwtSecret: stand.jwtSecret,
      namespace,
      taskQueue,
      orderId,
    });
    const { headers, queryUrl } = seeded;
    const start = await fetch(seeded.startUrl, {
      method: 'POST',
      headers,
      body: JSON.stringify({ customer: 'bench' }),
    });
    if (start.status !== 201) throw new Error(`could not start the order: ${start.status} ${await start.text()}`);
    const probe = await fetch(queryUrl, { method: 'POST', headers, body: JSON.stringify(queryBody) });
    if (probe.status !== 200) throw new Error(`gateway query failed: ${probe.status} ${await probe.text()}`);

    connection = await Connection.connect({ address: stand.temporalAddress });
    const client = new Client({ connection, namespace });
    out(`\nAPI: ${stand.description}`);
    out(`node ${process.version}, ${cpus().length} CPUs; load average before: ${loadBefore}`);

    if (!cpuProfileDir) {
      await directLoop(client, 2, connections);
      await gatewayRun(queryUrl, headers, 2);
      const directStarted = performance.now();
      const direct = summarize(await directLoop(client, durationSeconds, connections), directStarted);
      const usageBefore = usage();
      const gateway = await gatewayRun(queryUrl, headers, durationSeconds);
      const usageAfter = usage();
      out(`\nsaturated: ${connections} concurrent, ${durationSeconds} s each (load ${load()})`);
      out(row('direct @temporalio/client query', direct));
      out(row('gateway POST /api/v1/<hash>/…', gateway));
      out(`  gateway / direct throughput    ${ratio(gateway.opsPerSecond, direct.opsPerSecond)}`);
      out(`  gateway / direct p50           ${ratio(gateway.p50Ms, direct.p50Ms)}`);
      out(`  gateway / direct p99           ${ratio(gateway.p99Ms, direct.p99Ms)}`);
      out(`  added p50                      ${(gateway.p50Ms - direct.p50Ms).toFixed(2)} ms`);
      out(`  API per request                ${perRequest(addUsage(noUsage, usageBefore, usageAfter), gateway.count)}`);
      out(`  API RSS after the run          ${memoryMiB(stand.api.pid)?.toFixed(0) ?? '?'} MiB`);
    }

    const rounds = Math.max(3, Math.round(durationSeconds / 2));
    const pool = new Pool(new URL(queryUrl).origin, { connections: 1 });
    const barePool = new Pool(stand.bareUrl, { connections: 1 });
    const directSamples: number[] = [];
    const gatewaySamples: number[] = [];
    const healthSamples: number[] = [];
    const bareSamples: number[] = [];
    const gatewayCall = { url: queryUrl, method: 'POST' as const, headers, body: JSON.stringify(queryBody) };
    // The floor of any call through the API: the HTTP hop and Fastify, no key, no Temporal.
    const healthCall = { url: `${stand.apiUrl}/healthz`, method: 'GET' as const, headers: {} };
    // The floor of any gateway process: node:http and the same query, nothing else.
    const bareCall = {
      url: `${stand.bareUrl}/query/${encodeURIComponent(orderId)}/${getOrderQuery.name}`,
      method: 'POST' as const,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(queryBody),
    };
    let gatewayUsage = noUsage;
    let bareUsage = noUsage;
    // The direct client's own CPU per query: the API pays the same for its Temporal call.
    let directCpuMicros = 0;
    try {
      await directLoop(client, 1, 1);
      await httpLoop(pool, gatewayCall, 1, []);
      await httpLoop(barePool, bareCall, 1, []);
      for (let round = 0; round < rounds; round += 1) {
        const cpuBefore = process.cpuUsage();
        await directLoop(client, 1, 1, directSamples);
        const cpu = process.cpuUsage(cpuBefore);
        directCpuMicros += cpu.user + cpu.system;
        const apiBefore = usage();
        await httpLoop(pool, gatewayCall, 1, gatewaySamples);
        gatewayUsage = addUsage(gatewayUsage, apiBefore, usage());
        await httpLoop(pool, healthCall, 0.5, healthSamples);
        const bareBefore = usageOf(stand.bare.pid, stand.bare.logPath);
        await httpLoop(barePool, bareCall, 1, bareSamples);
        bareUsage = addUsage(bareUsage, bareBefore, usageOf(stand.bare.pid, stand.bare.logPath));
      }
    } finally {
      await pool.close();
      await barePool.close();
    }
    // Each path ran for `rounds` seconds in all, interleaved.
    const directSingle = summarize(directSamples, performance.now() - rounds * 1000);
    const gatewaySingle = summarize(gatewaySamples, performance.now() - rounds * 1000);
    const healthSingle = summarize(healthSamples, performance.now() - rounds * 500);
    const bareSingle = summarize(bareSamples, performance.now() - rounds * 1000);
    out(
      `\nunsaturated: 1 connection, ${rounds} rounds of 1 s direct, 1 s gateway, 0.5 s /healthz, 1 s bare (load ${load()}; HTTP timed with undici)`,
    );
    out(row('direct @temporalio/client query', directSingle));
    out(row('gateway POST /api/v1/<hash>/…', gatewaySingle));
    out(row('API GET /healthz (HTTP floor)', healthSingle));
    out(row('bare node:http → same query', bareSingle));
    out(`  gateway / direct p50           ${ratio(gatewaySingle.p50Ms, directSingle.p50Ms)}`);
    out(`  added p50                      ${(gatewaySingle.p50Ms - directSingle.p50Ms).toFixed(2)} ms`);
    out(`  added p99                      ${(gatewaySingle.p99Ms - directSingle.p99Ms).toFixed(2)} ms`);
    out(`  of the added p50: a 2nd process ${(bareSingle.p50Ms - directSingle.p50Ms).toFixed(2)} ms (bare − direct)`);
    out(`  the gateway's own work         ${(gatewaySingle.p50Ms - bareSingle.p50Ms).toFixed(2)} ms (gateway − bare)`);
    out(`  API per gateway request        ${perRequest(gatewayUsage, gatewaySingle.count)}`);
    out(`  bare process per request       ${perRequest(bareUsage, bareSingle.count)}`);
    out(`  direct client per query        ${(directCpuMicros / 1000 / directSingle.count).toFixed(2)} ms CPU`);
    out(
      `  API RSS                        ${memoryMiB(stand.api.pid)?.toFixed(0) ?? '?'} MiB (peak ${
        memoryMiB(stand.api.pid, 'VmHWM')?.toFixed(0) ?? '?'
      } MiB)`,
    );
    if (cpuProfileDir) out(`\nCPU profile of the API: ${cpuProfileDir} (written when it exits)`);
  } finally {
    await connection?.close();
    await stand.close();
  }
}

await main();
