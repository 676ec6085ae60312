import { createServer, type Server } from 'node:http';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';

/**
 * The worker's Prometheus instruments: cross-project calls by connector, operation and
 * outcome (`ok` or the refusal reason), with latency. Labels are bounded: connector ids,
 * five operations, a closed list of reasons. Served on the worker's own /metrics.
 */
export function createNexusMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? false) collectDefaultMetrics({ register: registry, prefix: 'wfb_worker_' });
  const calls = new Counter({
    name: 'wfb_nexus_calls_total',
    help: 'Cross-project Nexus calls handled, by connector, operation and outcome (ok or the refusal reason).',
    labelNames: ['connector', 'operation', 'outcome'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'wfb_nexus_call_duration_seconds',
    help: 'Time the Nexus handler spent on a cross-project call, by connector, operation and outcome.',
    labelNames: ['connector', 'operation', 'outcome'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  return {
    registry,
    call(labels: { connector: string; operation: string; outcome: string }, seconds: number) {
      calls.inc(labels);
      duration.observe(labels, seconds);
    },
  };
}

export type NexusMetrics = ReturnType<typeof createNexusMetrics>;

/** GET /metrics on its own port; anything else is 404. */
export async function serveMetrics(registry: Registry, port: number, host = '0.0.0.0'): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (body) => response.writeHead(200, { 'content-type': registry.contentType }).end(body),
      () => response.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
