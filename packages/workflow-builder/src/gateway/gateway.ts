import type { Database } from '@wfb/core/db/driver.js';
import { createSchemaCompiler } from '@wfb/core/interfaces/json-schema.js';
import type { Logger } from '@wfb/core/logger.js';
import type { FastifyInstance } from 'fastify';
import type { KeyVerifier } from '../domain/api-keys/key-verifier.js';
import { createMetrics, type Metrics } from '../metrics/metrics.js';
import { createMetricsRoute } from '../metrics/metrics-route.js';
import type { TemporalClients } from '../temporal/temporal-clients.js';
import { createGatewayRoutes } from './gateway-routes.js';
import { createIdempotencyKeys } from './idempotency-keys.js';
import { defaultKeyRateLimitPerMinute, type KeyAuthOptions } from './key-auth.js';
import { createRateLimiter } from './rate-limiter.js';
import { createRouteTable } from './route-table.js';
import { createTemporalInvoker } from './temporal-invoker.js';

/**
 * The public REST gateway as one unit for the composition root: its Fastify routes, the
 * route table it must start and stop, and what it shares with the foundation's /api/v1 hook
 * (one rate limiter, so a key has one budget; the metrics callbacks).
 */
export interface GatewayOptions {
  database: Database;
  logger: Logger;
  keyVerifier: KeyVerifier;
  temporal: TemporalClients | undefined;
  publicBaseUrl: string;
  deadlineMs: number;
  bodyLimitBytes: number;
  retryAfterSeconds: number;
  routeRefreshIntervalMs?: number;
  metricsToken?: string | undefined;
  metrics?: Metrics;
  defaultKeyRateLimitPerMinute?: number;
}

export function createGateway(options: GatewayOptions) {
  const metrics = options.metrics ?? createMetrics();
  const limiter = createRateLimiter();
  const schemas = createSchemaCompiler();
  const routes = createRouteTable({
    database: options.database,
    logger: options.logger.child({ component: 'route-table' }),
    schemas,
    ...(options.routeRefreshIntervalMs !== undefined && { refreshIntervalMs: options.routeRefreshIntervalMs }),
  });
  const invoker = createTemporalInvoker({
    temporal: options.temporal,
    deadlineMs: options.deadlineMs,
    retryAfterSeconds: options.retryAfterSeconds,
  });
  const idempotencyKeys = createIdempotencyKeys({
    database: options.database,
    logger: options.logger.child({ component: 'idempotency-keys' }),
  });
  const defaultPerMinute = options.defaultKeyRateLimitPerMinute ?? defaultKeyRateLimitPerMinute;

  const keyAuth: Pick<KeyAuthOptions, 'limiter' | 'onVerification' | 'onRateLimited'> = {
    limiter,
    onVerification: (kind) => metrics.keyVerification(kind),
    onRateLimited: (scope) => metrics.rateLimited(scope),
  };

  const gatewayRoutes = createGatewayRoutes({
    verifier: options.keyVerifier,
    routes,
    limiter,
    metrics,
    invoker,
    idempotencyKeys,
    defaultKeyRateLimitPerMinute: defaultPerMinute,
    bodyLimitBytes: options.bodyLimitBytes,
    publicBaseUrl: options.publicBaseUrl,
  });
  const metricsRoute = createMetricsRoute({ metrics, token: options.metricsToken });

  return {
    metrics,
    routes,
    keyAuth,
    /** For `buildServer`'s `plugins`. */
    plugins: [gatewayRoutes, metricsRoute] as Array<(app: FastifyInstance) => Promise<void>>,
    async start() {
      await routes.start();
      idempotencyKeys.start();
    },
    async stop() {
      await idempotencyKeys.stop();
      await routes.stop();
    },
  };
}

export type Gateway = ReturnType<typeof createGateway>;
