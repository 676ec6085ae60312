import type { Database } from '@wfb/core/db/driver.js';
import type { Logger } from '@wfb/core/logger.js';
import type { FastifyInstance } from 'fastify';
import { loadOrCreateDevSecret } from './auth/dev-secrets.js';
import { createTokenVerifier } from './auth/jwt.js';
import { openAppDatabase } from './db/app-database.js';
import { createKeyVerifier, type KeyVerifier } from './domain/api-keys/key-verifier.js';
import { assertStoredKeysInRing, resolveKeyRing } from './domain/connectors/encryption-keys.js';
import type { Env } from './env.js';
import { createGateway, type Gateway } from './gateway/gateway.js';
import { createKongController, type KongController, type KongControllerDeps } from './kong/kong-controller.js';
import { createMetrics } from './metrics/metrics.js';
import { createNexusController, type NexusController } from './nexus/nexus-controller.js';
import { createOperatorEndpoints } from './nexus/operator-endpoints.js';
import { createConnectorPlugins } from './rest/connector-routes.js';
import { createEgressPlugins } from './rest/egress-routes.js';
import { buildServer, type ReadinessCheck } from './server.js';
import { createServices, type Services } from './services.js';
import {
  connectorRouteSettingsOf,
  egressRouteSettingsOf,
  kongSettingsOf,
  nexusSettingsOf,
  publicBaseUrlOf,
  serviceSettingsOf,
} from './settings.js';
import { createTemporalClients, type TemporalClients } from './temporal/temporal-clients.js';

/** Secrets that production must be given and local runs may generate (see env.ts). */
export interface ResolvedSecrets {
  jwtSecret: string | undefined;
  apiKeyPepper: string;
}

export function resolveSecrets(env: Env): ResolvedSecrets {
  const local = env.NODE_ENV !== 'production';
  const jwtSecret =
    env.SUPABASE_JWT_SECRET ??
    (env.SUPABASE_URL ? undefined : local ? loadOrCreateDevSecret(env.DATA_DIR, 'jwt') : undefined);
  const apiKeyPepper =
    env.API_KEY_PEPPER ?? (local ? loadOrCreateDevSecret(env.DATA_DIR, 'api-key-pepper') : undefined);
  if (!apiKeyPepper) throw new Error('API_KEY_PEPPER is required');
  return { jwtSecret, apiKeyPepper };
}

export interface App {
  server: FastifyInstance;
  database: Database;
  services: Services;
  keyVerifier: KeyVerifier;
  /** Public REST gateway: route table, metrics, limiter. */
  gateway: Gateway;
  temporal: TemporalClients | undefined;
  /** Nexus endpoint controller; absent without TEMPORAL_ADDRESS. */
  nexus: NexusController | undefined;
  secrets: ResolvedSecrets;
  /** See publicBaseUrlOf in settings.ts. */
  publicBaseUrl: string;
  /** Undefined when KONG_ADMIN_URL is unset (the controller is off). */
  kong: KongController | undefined;
  close(): Promise<void>;
}

export interface AppOverrides {
  database?: Database;
  clock?: () => Date;
  /** Tests: Kong client and reconciler timings. */
  kong?: Pick<KongControllerDeps, 'transport' | 'reconciler' | 'concurrency'>;
}

/**
 * Something the app starts after the database is open and stops before it closes. Parts
 * start in list order and stop in reverse, so the order of the list is the shutdown order.
 */
export interface AppPart {
  name: string;
  start(): Promise<void> | void;
  stop(): Promise<void>;
}

async function stopAll(parts: readonly AppPart[], logger: Logger): Promise<void> {
  for (const part of [...parts].reverse()) {
    await part.stop().catch((error: unknown) => logger.error({ err: error, part: part.name }, 'stopping failed'));
  }
}

/** Composition root shared by `main.ts`, the dev command and the tests: env → db → temporal → parts → server. */
export async function createApp(env: Env, logger: Logger, overrides: AppOverrides = {}): Promise<App> {
  const secrets = resolveSecrets(env);
  const keyRing = resolveKeyRing(env);
  // An injected database (tests) arrives migrated and already running as the system role.
  const database =
    overrides.database ?? (await openAppDatabase(env, { poolSize: env.DATABASE_POOL_SIZE, logger, migrate: true }));
  const ownsDatabase = !overrides.database;
  const started: AppPart[] = [];
  try {
    await assertStoredKeysInRing(database.db, keyRing);
    const metrics = createMetrics();
    const publicBaseUrl = publicBaseUrlOf(env);
    const temporal = env.TEMPORAL_ADDRESS
      ? createTemporalClients({ address: env.TEMPORAL_ADDRESS, logger })
      : undefined;
    const kongSettings = kongSettingsOf(env);
    const kong = kongSettings
      ? createKongController({ settings: kongSettings, database, logger, metrics, ...overrides.kong })
      : undefined;
    const services = createServices({
      settings: serviceSettingsOf(env),
      logger,
      database,
      temporal,
      apiKeyPepper: secrets.apiKeyPepper,
      apiKeyEnvironment: env.API_KEY_ENV,
      namespaces: env.TEMPORAL_MANAGE_NAMESPACES ? temporal : undefined,
      ...(overrides.clock && { clock: overrides.clock }),
      keyRing,
      kong: { controller: kong, operatorUserIds: env.KONG_OPERATOR_USER_IDS },
    });
    const keyVerifier = createKeyVerifier({
      database,
      pepper: secrets.apiKeyPepper,
      environment: env.API_KEY_ENV,
      logger,
      cacheSize: env.API_KEY_CACHE_SIZE,
      cacheTtlMs: env.API_KEY_CACHE_TTL_MS,
    });
    const gateway = createGateway({
      database,
      logger,
      keyVerifier,
      temporal,
      metrics,
      publicBaseUrl,
      deadlineMs: env.GATEWAY_DEADLINE_MS,
      bodyLimitBytes: env.GATEWAY_BODY_LIMIT_BYTES,
      retryAfterSeconds: env.GATEWAY_RETRY_AFTER_SECONDS,
      routeRefreshIntervalMs: env.GATEWAY_ROUTE_REFRESH_MS,
      metricsToken: env.METRICS_TOKEN,
    });
    const nexusSettings = nexusSettingsOf(env);
    const nexus =
      temporal &&
      createNexusController({
        database,
        logger,
        endpoints: createOperatorEndpoints(() => temporal.connection()),
        scope: nexusSettings.endpointScope,
        taskQueue: nexusSettings.taskQueue,
        tombstoneRetentionMs: nexusSettings.tombstoneRetentionMs,
        intervalMs: nexusSettings.controllerIntervalMs,
      });
    const parts: AppPart[] = [
      { name: 'temporal', start: () => undefined, stop: async () => temporal?.close() },
      {
        name: 'connectors',
        start: () => services.connectorRuntime.start(),
        stop: () => services.connectorRuntime.close(),
      },
      { name: 'key-verifier', start: () => keyVerifier.start(), stop: () => keyVerifier.stop() },
      { name: 'gateway', start: () => gateway.start(), stop: () => gateway.stop() },
      { name: 'kong', start: () => kong?.start(), stop: async () => kong?.stop() },
      { name: 'nexus', start: () => nexus?.start(), stop: async () => nexus?.stop() },
    ];
    for (const part of parts) {
      await part.start();
      started.push(part);
    }
    const readiness: ReadinessCheck[] = [{ name: 'database', check: () => database.ping() }];
    if (temporal) readiness.push({ name: 'temporal', check: () => temporal.ping() });
    // Kong down (or off) never makes this instance unready: the API keeps serving.
    readiness.push({
      name: 'kong',
      optional: true,
      disabled: kong === undefined,
      check: async () => {
        if (kong && !kong.health().healthy) throw new Error('Kong sync passes are failing');
      },
    });
    const verifyToken = createTokenVerifier({
      secret: secrets.jwtSecret,
      supabaseUrl: env.SUPABASE_URL,
      audience: env.SUPABASE_JWT_AUDIENCE,
    });
    const server = await buildServer({
      logger,
      database,
      services,
      verifyToken,
      keyVerifier,
      readiness,
      keyAuth: gateway.keyAuth,
      trustProxy: env.TRUST_PROXY,
      accessLog: env.ACCESS_LOG,
      plugins: [
        ...createConnectorPlugins({
          settings: connectorRouteSettingsOf(env),
          database,
          services,
          verifyToken,
          keyVerifier,
          keyAuth: gateway.keyAuth,
        }),
        ...createEgressPlugins({ settings: egressRouteSettingsOf(env), services, metrics }),
        ...gateway.plugins,
      ],
    });
    return {
      server,
      database,
      services,
      keyVerifier,
      gateway,
      temporal,
      nexus,
      secrets,
      publicBaseUrl,
      kong,
      async close() {
        await server.close();
        await stopAll(started, logger);
        if (ownsDatabase) await database.close();
      },
    };
  } catch (error) {
    await stopAll(started, logger);
    if (ownsDatabase) await database.close();
    throw error;
  }
}
