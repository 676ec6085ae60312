import type { Env } from './env.js';

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

export interface ConnectorSettings {
  /** Plain-http connector and OAuth URLs are refused in production only. */
  allowInsecureHttp: boolean;
  outboundAllowCidrs: Env['OUTBOUND_ALLOW_CIDRS'];
  testsPerMinutePerUser: number;
  publicBaseUrl: string;
}

export function connectorSettingsOf(env: Env): ConnectorSettings {
  return {
    allowInsecureHttp: env.NODE_ENV !== 'production',
    outboundAllowCidrs: env.OUTBOUND_ALLOW_CIDRS,
    testsPerMinutePerUser: env.CONNECTOR_TEST_RATE_PER_MINUTE,
    publicBaseUrl: publicBaseUrlOf(env),
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

export function connectorRouteSettingsOf(env: Env): ConnectorRouteSettings {
  return {
    oauthResultUrl: env.OAUTH_RESULT_URL,
    proxyUserRatePerMinute: env.CONNECTOR_PROXY_USER_RATE_PER_MINUTE,
  };
}
