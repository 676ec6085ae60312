import type { JsonObject } from '../kong-types.js';
import { addEntityError, type ErrorTree, requireWhen } from './stand-in-errors.js';
import {
  type Check,
  checkHeaderName,
  checkHost,
  checkUrlPath,
  type FieldSpec,
  port,
  protocolsHttp,
  type Schema,
  timeout,
} from './stand-in-schema.js';

/**
 * Config schemas of the plugins the backend configures, per Kong 3.9 (kong/plugins/<name>/
 * schema.lua): field checks, the record's custom validator, and the entity checks.
 */
export interface PluginDefinition {
  protocols: FieldSpec;
  config: Schema;
  check?: Check<JsonObject>;
  entityChecks?: (config: JsonObject, errors: ErrorTree) => void;
}

const periods = ['second', 'minute', 'hour', 'day', 'month', 'year'] as const;

/** rate-limiting's custom validator: longer periods may not allow less; sync_rate needs redis. */
function checkRateLimits(config: JsonObject): string | undefined {
  for (const [index, lower] of periods.entries()) {
    const low = config[lower];
    if (typeof low !== 'number') continue;
    for (const upper of periods.slice(index + 1)) {
      const high = config[upper];
      if (typeof high === 'number' && high < low) {
        return `The limit for ${upper}(${high.toFixed(1)}) cannot be lower than the limit for ${lower}(${low.toFixed(1)})`;
      }
    }
  }
  const syncRate = config.sync_rate;
  if (config.policy !== 'redis' && syncRate !== -1) return 'sync_rate can only be used with the redis policy';
  if (config.policy === 'redis' && typeof syncRate === 'number' && syncRate !== -1 && syncRate < 0.02) {
    return 'sync_rate must be greater than 0.02, or -1 to disable';
  }
  return undefined;
}

function rateLimitingChecks(config: JsonObject, errors: ErrorTree): void {
  if (periods.every((period) => config[period] === null || config[period] === undefined)) {
    const list = periods.map((period) => `'config.${period}'`).join(', ');
    addEntityError(errors, `at least one of these fields must be non-empty: ${list}`);
  }
  if (config.policy === 'redis') {
    for (const field of ['redis.host', 'redis.port', 'redis.timeout']) requireWhen(errors, config, 'policy', field);
  }
  if (config.limit_by === 'header') requireWhen(errors, config, 'limit_by', 'header_name');
  if (config.limit_by === 'path') requireWhen(errors, config, 'limit_by', 'path');
}

const redisSchema: Schema = {
  host: { type: 'string', check: checkHost },
  port: port(6379),
  timeout: timeout(2000),
  username: { type: 'string' },
  password: { type: 'string' },
  database: { type: 'integer', default: 0 },
  ssl: { type: 'boolean', default: false },
  ssl_verify: { type: 'boolean', default: false },
  server_name: { type: 'string', check: checkHost },
};

function rateLimiting(dbless: boolean): PluginDefinition {
  const limit: FieldSpec = { type: 'number', gt: 0 };
  return {
    protocols: protocolsHttp,
    config: {
      second: limit,
      minute: limit,
      hour: limit,
      day: limit,
      month: limit,
      year: limit,
      limit_by: {
        type: 'string',
        default: 'consumer',
        oneOf: ['consumer', 'credential', 'ip', 'service', 'header', 'path'],
      },
      header_name: { type: 'string', check: checkHeaderName },
      path: { type: 'string', check: checkUrlPath },
      // DB-less Kong has no cluster table to count in, so its schema leaves the policy out.
      policy: { type: 'string', default: 'local', oneOf: dbless ? ['local', 'redis'] : ['local', 'cluster', 'redis'] },
      fault_tolerant: { type: 'boolean', required: true, default: true },
      redis: { type: 'record', fields: redisSchema },
      hide_client_headers: { type: 'boolean', required: true, default: false },
      error_code: { type: 'number', gt: 0, default: 429 },
      error_message: { type: 'string', default: 'API rate limit exceeded' },
      sync_rate: { type: 'number', required: true, default: -1 },
    },
    check: checkRateLimits,
    entityChecks: rateLimitingChecks,
  };
}

const correlationId: PluginDefinition = {
  protocols: protocolsHttp,
  config: {
    header_name: { type: 'string', default: 'Kong-Request-ID' },
    generator: { type: 'string', required: true, default: 'uuid#counter', oneOf: ['uuid', 'uuid#counter', 'tracker'] },
    echo_downstream: { type: 'boolean', required: true, default: false },
  },
};

const requestSizeLimiting: PluginDefinition = {
  protocols: protocolsHttp,
  config: {
    allowed_payload_size: { type: 'integer', default: 128 },
    size_unit: { type: 'string', required: true, default: 'megabytes', oneOf: ['megabytes', 'kilobytes', 'bytes'] },
    require_content_length: { type: 'boolean', required: true, default: false },
  },
};

const keyAuth: PluginDefinition = {
  protocols: protocolsHttp,
  config: {
    key_names: {
      type: 'array',
      required: true,
      default: ['apikey'],
      elements: { type: 'string', check: checkHeaderName },
    },
    hide_credentials: { type: 'boolean', required: true, default: false },
    anonymous: { type: 'string' },
    key_in_header: { type: 'boolean', required: true, default: true },
    key_in_query: { type: 'boolean', required: true, default: true },
    key_in_body: { type: 'boolean', required: true, default: false },
    run_on_preflight: { type: 'boolean', required: true, default: true },
  },
};

export function pluginSchemas(dbless: boolean): Record<string, PluginDefinition> {
  return {
    'rate-limiting': rateLimiting(dbless),
    'correlation-id': correlationId,
    'request-size-limiting': requestSizeLimiting,
    'key-auth': keyAuth,
  };
}
