import { pluginId } from './deterministic-id.js';
import type { JsonObject, KongPlugin } from './kong-types.js';

/** Plugin configs of the desired state, each complete: a PUT resets whatever is left out. */
export type RateLimitPolicy = 'local' | 'cluster' | 'redis';

export interface RedisSettings {
  host: string;
  port?: number;
  timeoutMs?: number;
  database?: number;
  username?: string | null;
  password?: string | null;
  ssl?: boolean;
  sslVerify?: boolean;
  serverName?: string | null;
}

export interface RateLimitOptions {
  policy?: RateLimitPolicy;
  redis?: RedisSettings;
}

/** Kong runs plugins on every HTTP flavour by default; ours are proxied over http(s) only. */
const httpProtocols = ['grpc', 'grpcs', 'http', 'https'];

/**
 * Kong 3.9's `redis` record (shared by rate-limiting and friends). Only sent with policy
 * `redis`: with any other policy Kong ignores it, and the normaliser drops it on both sides.
 */
function redisConfig(redis: RedisSettings): JsonObject {
  return {
    host: redis.host,
    port: redis.port ?? 6379,
    timeout: redis.timeoutMs ?? 2000,
    database: redis.database ?? 0,
    username: redis.username ?? null,
    password: redis.password ?? null,
    ssl: redis.ssl ?? false,
    ssl_verify: redis.sslVerify ?? false,
    server_name: redis.serverName ?? null,
  };
}

/**
 * The backend's per-interface limit is one budget shared by all callers. `limit_by: service`
 * counts per service id, and Kong's counter key also holds the plugin's route id, so on a
 * route-scoped plugin it is that route's total. Headers are hidden because the backend sets
 * RateLimit-* from the tighter of the key and interface budgets; Kong's would contradict them.
 */
export function rateLimitingPlugin(input: {
  routeId: string;
  routeName: string;
  perMinute: number;
  options: RateLimitOptions;
  tags: string[];
}): KongPlugin {
  const policy = input.options.policy ?? 'local';
  const config: JsonObject = {
    second: null,
    minute: input.perMinute,
    hour: null,
    day: null,
    month: null,
    year: null,
    limit_by: 'service',
    header_name: null,
    path: null,
    policy,
    fault_tolerant: true,
    hide_client_headers: true,
    error_code: 429,
    error_message: 'API rate limit exceeded',
    sync_rate: -1,
  };
  if (policy === 'redis' && input.options.redis) config.redis = redisConfig(input.options.redis);
  return {
    id: pluginId('rate-limiting', { route: input.routeName }),
    name: 'rate-limiting',
    enabled: true,
    protocols: httpProtocols,
    config,
    route: { id: input.routeId },
    service: null,
    tags: input.tags,
  };
}

/**
 * One id per call, shared with the backend: generator `uuid` because the backend keeps an
 * incoming X-Request-Id only if it matches `[A-Za-z0-9._:-]{8,128}`, which `uuid#counter`
 * (with its `#`) does not.
 */
export function correlationIdPlugin(service: { id: string; name: string }, tags: string[]): KongPlugin {
  return {
    id: pluginId('correlation-id', { service: service.name }),
    name: 'correlation-id',
    enabled: true,
    protocols: httpProtocols,
    config: { header_name: 'X-Request-Id', generator: 'uuid', echo_downstream: true },
    route: null,
    service: { id: service.id },
    tags,
  };
}

/**
 * Kong's `allowed_payload_size` is in `size_unit`s (megabytes by default); in bytes it is the
 * backend's own body limit, and both reject only a body strictly larger than the limit.
 */
export function requestSizeLimitingPlugin(
  service: { id: string; name: string },
  bodyLimitBytes: number,
  tags: string[],
): KongPlugin {
  return {
    id: pluginId('request-size-limiting', { service: service.name }),
    name: 'request-size-limiting',
    enabled: true,
    protocols: httpProtocols,
    config: { allowed_payload_size: bodyLimitBytes, size_unit: 'bytes', require_content_length: false },
    route: null,
    service: { id: service.id },
    tags,
  };
}
