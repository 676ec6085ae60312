import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../http/problem.js';
import type { Metrics } from './metrics.js';

/**
 * `GET /metrics` in the Prometheus text format. Its labels name every tenant's projects and
 * interfaces, so production refuses to start without METRICS_TOKEN (env.ts) and scrapers send
 * it as a bearer token; local runs without one serve it openly.
 */
function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = Buffer.from(header?.replace(/^Bearer\s+/i, '') ?? '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

export function createMetricsRoute(options: { metrics: Metrics; token?: string | undefined }) {
  return async function metricsRoute(app: FastifyInstance): Promise<void> {
    app.get('/metrics', async (request, reply) => {
      if (options.token && !tokenMatches(request.headers.authorization, options.token)) {
        return sendProblem(reply, 'UNAUTHORIZED', 'a valid bearer token is required for /metrics');
      }
      const body = await options.metrics.registry.metrics();
      return reply.type(options.metrics.registry.contentType).send(body);
    });
  };
}
