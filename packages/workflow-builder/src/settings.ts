import { fileURLToPath } from 'node:url';
import type { ConnectorSettings } from './domain/connectors/connectors.module.js';
import type { Env } from './env.js';
import type { RateLimitOptions } from './kong/translate-plugins.js';

/**
 * What each part of the control plane reads from the environment, picked once here, so
 * no part receives the whole `Env` and a part's needs are visible in its signature.
 */

/**
 * The base of every public URL this server shows: public interface URLs, the OAuth
 * redirect URI, OpenAPI `servers` and the dev banner. `PUBLIC_BASE_URL` when set; else
 * `http://<HOST>:<PORT>`, with a wildcard listen address (`0.0.0.0`, `::`) shown as
 * `127.0.0.1`, since no client can reach a wildcard.
 */
export function publicBaseUrlOf(env: Pick<Env, 'PUBLIC_BASE_URL' | 'HOST' | 'PORT'>): string {
  if (env.PUBLIC_BASE_URL) return env.PUBLIC_BASE_URL.replace(/\/+$/, '');
  const wildcard = env.HOST === '0.0.0.0' || env.HOST === '::' || env.HOST === '[::]';
  const host = wildcard ? '127.0.0.1' : env.HOST;
  return `http://${host.includes(':') && !host.startsWith('[') ? `[${host}]` : host}:${env.PORT}`;
}

export function connectorSettingsOf(env: Env): ConnectorSettings {
  return {
    allowInsecureHttp: env.NODE_ENV !== 'production',
    outboundAllowCidrs: env.OUTBOUND_ALLOW_CIDRS,
    testsPerMinutePerUser: env.CONNECTOR_TEST_RATE_PER_MINUTE,
    publicBaseUrl: publicBaseUrlOf(env),
    egressMaxResponseBytes: env.EGRESS_MAX_RESPONSE_BYTES,
  };
}

export interface NexusSettings {
  /** The task queue every project namespace's worker fleet serves; endpoint targets use it. */
  taskQueue: string;
  endpointScope: string;
  tombstoneRetentionMs: number;
  controllerIntervalMs: number;
  testTimeoutMs: number;
}

export function nexusSettingsOf(env: Env): NexusSettings {
  return {
    taskQueue: env.NEXUS_TASK_QUEUE,
    endpointScope: env.NEXUS_ENDPOINT_SCOPE,
    tombstoneRetentionMs: env.NEXUS_TOMBSTONE_RETENTION_MS,
    controllerIntervalMs: env.NEXUS_CONTROLLER_INTERVAL_MS,
    testTimeoutMs: env.NEXUS_TEST_TIMEOUT_MS,
  };
}

export interface ServiceSettings {
  publicBaseUrl: string;
  namespacePrefix: string;
  allowedNamespaces: readonly string[];
  connectors: ConnectorSettings;
  nexus: NexusSettings;
}

export function serviceSettingsOf(env: Env): ServiceSettings {
  return {
    publicBaseUrl: publicBaseUrlOf(env),
    namespacePrefix: env.TEMPORAL_NAMESPACE_PREFIX,
    allowedNamespaces: env.TEMPORAL_ALLOWED_NAMESPACES,
    connectors: connectorSettingsOf(env),
    nexus: nexusSettingsOf(env),
  };
}

export interface ConnectorRouteSettings {
  /** Where the OAuth callback redirects with its outcome; JSON when unset. */
  oauthResultUrl: string | undefined;
  proxyUserRatePerMinute: number;
}

/** The workers' egress route: served only when WORKER_TOKEN is set. */
export interface EgressRouteSettings {
  workerToken: string | undefined;
}

export function egressRouteSettingsOf(env: Env): EgressRouteSettings {
  return { workerToken: env.WORKER_TOKEN };
}

export function connectorRouteSettingsOf(env: Env): ConnectorRouteSettings {
  return {
    oauthResultUrl: env.OAUTH_RESULT_URL,
    proxyUserRatePerMinute: env.CONNECTOR_PROXY_USER_RATE_PER_MINUTE,
  };
}

/** How the Kong controller turns public interfaces into Kong entities (also `wfb kong export`). */
export interface KongTranslationSettings {
  mode: Env['KONG_MODE'];
  /** Where Kong reaches this backend. */
  upstreamUrl: string;
  /** Kong's request-size-limiting mirrors the gateway's own body limit. */
  bodyLimitBytes: number;
  rateLimit: RateLimitOptions;
  /** The declarative base merged into DB-less pushes and exports (kong/kong.yml by default). */
  baseConfigPath: string;
}

export interface KongSettings extends KongTranslationSettings {
  adminUrl: string;
  adminToken: string | undefined;
  intervalMs: number;
}

/** The repository's kong/kong.yml, next to packages/. */
export const defaultKongBaseConfig = fileURLToPath(new URL('../../../kong/kong.yml', import.meta.url));

/** Undefined without KONG_UPSTREAM_URL: nothing to point Kong at (env.ts requires it with KONG_ADMIN_URL). */
export function kongTranslationOf(env: Env): KongTranslationSettings | undefined {
  if (!env.KONG_UPSTREAM_URL) return undefined;
  const policy = env.KONG_RATE_LIMIT_POLICY;
  return {
    mode: env.KONG_MODE,
    upstreamUrl: env.KONG_UPSTREAM_URL,
    bodyLimitBytes: env.GATEWAY_BODY_LIMIT_BYTES,
    rateLimit: {
      policy,
      ...(policy === 'redis' &&
        env.KONG_REDIS_HOST && {
          redis: {
            host: env.KONG_REDIS_HOST,
            port: env.KONG_REDIS_PORT,
            database: env.KONG_REDIS_DATABASE,
            username: env.KONG_REDIS_USERNAME ?? null,
            password: env.KONG_REDIS_PASSWORD ?? null,
            ssl: env.KONG_REDIS_SSL,
          },
        }),
    },
    baseConfigPath: env.KONG_BASE_CONFIG ?? defaultKongBaseConfig,
  };
}

/** Undefined when the controller is off (no KONG_ADMIN_URL). */
export function kongSettingsOf(env: Env): KongSettings | undefined {
  const translation = kongTranslationOf(env);
  if (!env.KONG_ADMIN_URL || !translation) return undefined;
  return {
    ...translation,
    adminUrl: env.KONG_ADMIN_URL,
    adminToken: env.KONG_ADMIN_TOKEN,
    intervalMs: env.KONG_SYNC_INTERVAL_MS,
  };
}

/**
 * How long SIGTERM waits for in-flight requests before forcing the exit: longer than the
 * gateway's deadline, so a Temporal call started just before the signal still gets its answer.
 */
export function shutdownGraceOf(env: Pick<Env, 'SHUTDOWN_GRACE_MS' | 'GATEWAY_DEADLINE_MS'>): number {
  return env.SHUTDOWN_GRACE_MS ?? env.GATEWAY_DEADLINE_MS + 5_000;
}
