import { isJsonObject, type JsonObject, type JsonValue, type KongKind } from './kong-types.js';

/**
 * Brings a desired entity and Kong's live one to one comparable shape: every field Kong 3.9
 * has, filled with Kong's default where absent. Fields Kong manages (`created_at`, …) and
 * fields this table does not know (a newer Kong's additions) are dropped, so they never cause
 * a write; a known field changed by hand does, and the PUT puts it back.
 */
const httpProtocols = ['grpc', 'grpcs', 'http', 'https'];

const serviceDefaults: JsonObject = {
  id: null,
  name: null,
  protocol: 'http',
  host: null,
  port: 80,
  path: null,
  retries: 5,
  connect_timeout: 60_000,
  write_timeout: 60_000,
  read_timeout: 60_000,
  enabled: true,
  tags: null,
  client_certificate: null,
  tls_verify: null,
  tls_verify_depth: null,
  ca_certificates: null,
};

const routeDefaults: JsonObject = {
  id: null,
  name: null,
  protocols: ['http', 'https'],
  methods: null,
  hosts: null,
  paths: null,
  headers: null,
  snis: null,
  sources: null,
  destinations: null,
  https_redirect_status_code: 426,
  regex_priority: 0,
  strip_path: true,
  path_handling: 'v0',
  preserve_host: false,
  request_buffering: true,
  response_buffering: true,
  service: null,
  tags: null,
};

const pluginDefaults: JsonObject = {
  id: null,
  name: null,
  instance_name: null,
  enabled: true,
  protocols: httpProtocols,
  config: {},
  route: null,
  service: null,
  consumer: null,
  tags: null,
};

/** Config defaults of the plugins we send, per Kong 3.9's plugin schemas. */
export const pluginConfigDefaults: Record<string, JsonObject> = {
  'rate-limiting': {
    second: null,
    minute: null,
    hour: null,
    day: null,
    month: null,
    year: null,
    limit_by: 'consumer',
    header_name: null,
    path: null,
    policy: 'local',
    fault_tolerant: true,
    hide_client_headers: false,
    error_code: 429,
    error_message: 'API rate limit exceeded',
    sync_rate: -1,
  },
  'correlation-id': { header_name: 'Kong-Request-ID', generator: 'uuid#counter', echo_downstream: false },
  'request-size-limiting': { allowed_payload_size: 128, size_unit: 'megabytes', require_content_length: false },
};

/** Arrays Kong treats as sets; an empty one and null mean the same to it. */
const setFields = new Set(['tags', 'protocols', 'methods', 'hosts', 'snis', 'ca_certificates']);
const nullableArrays = new Set(['tags', 'methods', 'hosts', 'paths', 'snis', 'sources', 'destinations']);

function fill(defaults: JsonObject, entity: JsonObject): JsonObject {
  const result: JsonObject = {};
  for (const [key, fallback] of Object.entries(defaults)) {
    let value = entity[key] === undefined ? fallback : (entity[key] ?? null);
    if (Array.isArray(value)) {
      if (value.length === 0 && nullableArrays.has(key)) value = null;
      else if (setFields.has(key)) value = [...value].sort(compareJson);
    }
    result[key] = value;
  }
  return result;
}

function reference(value: JsonValue | undefined): JsonValue {
  return isJsonObject(value) && typeof value.id === 'string' ? { id: value.id } : null;
}

function pluginConfig(name: string, config: JsonValue | undefined): JsonObject {
  const given = isJsonObject(config) ? config : {};
  const defaults = pluginConfigDefaults[name];
  if (!defaults) return given;
  const filled = fill(defaults, given);
  // Kong fills a default `redis` record; it only matters under the redis policy.
  if (name === 'rate-limiting' && filled.policy === 'redis' && isJsonObject(given.redis)) {
    filled.redis = given.redis;
  }
  return filled;
}

export function normalizeEntity(kind: KongKind, entity: JsonObject): JsonObject {
  if (kind === 'service') return fill(serviceDefaults, entity);
  if (kind === 'route') return { ...fill(routeDefaults, entity), service: reference(entity.service) };
  const name = typeof entity.name === 'string' ? entity.name : '';
  return {
    ...fill(pluginDefaults, entity),
    config: pluginConfig(name, entity.config),
    route: reference(entity.route),
    service: reference(entity.service),
    consumer: reference(entity.consumer),
  };
}

export function compareJson(a: JsonValue, b: JsonValue): number {
  const left = canonicalJson(a);
  const right = canonicalJson(b);
  return left < right ? -1 : left > right ? 1 : 0;
}

/** JSON with object keys sorted, so equal values have equal text. */
export function canonicalJson(value: JsonValue): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isJsonObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(value[key] ?? null)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function sameEntity(kind: KongKind, desired: JsonObject, live: JsonObject): boolean {
  return canonicalJson(normalizeEntity(kind, desired)) === canonicalJson(normalizeEntity(kind, live));
}
