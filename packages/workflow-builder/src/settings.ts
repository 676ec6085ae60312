import type { ConnectorSettings } from './domain/connectors/connectors.module.js';
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

export function connectorSettingsOf(env: Env): ConnectorSettings {
  return {
    allowInsecureHttp: env.NODE_ENV !== 'production',
    outboundAllowCidrs: env.OUTBOUND_ALLOW_CIDRS,
    testsPerMinutePerUser: env.CONNECTOR_TEST_RATE_PER_MINUTE,
    publicBaseUrl: publicBaseUrlOf(env),
    egressMaxResponseBytes: env.EGRESS_MAX_RESPONSE_BYTES,
  };
}

export interface ServiceSettings {
  publicBaseUrl: string;
  namespacePrefix: string;
  allowedNamespaces: readonly string[];
  connectors: ConnectorSettings;
}

export function serviceSettingsOf(env: Env): ServiceSettings {
  return {
    publicBaseUrl: publicBaseUrlOf(env),
    namespacePrefix: env.TEMPORAL_NAMESPACE_PREFIX,
    allowedNamespaces: env.TEMPORAL_ALLOWED_NAMESPACES,
    connectors: connectorSettingsOf(env),
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

/**
 * How long SIGTERM waits for in-flight requests before forcing the exit: longer than the
 * gateway's deadline, so a Temporal call started just before the signal still gets its answer.
 */
export function shutdownGraceOf(env: Pick<Env, 'SHUTDOWN_GRACE_MS' | 'GATEWAY_DEADLINE_MS'>): number {
  return env.SHUTDOWN_GRACE_MS ?? env.GATEWAY_DEADLINE_MS + 5_000;
}
