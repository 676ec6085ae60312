import { isJsonObject, type JsonObject, type JsonValue, type KongKind } from '../kong-types.js';
import { addEntityError, type ErrorTree } from './stand-in-errors.js';
import { pluginSchemas } from './stand-in-plugins.js';
import {
  type Check,
  checkHost,
  checkName,
  checkRouterPath,
  checkUrlPath,
  checkUuid,
  type Schema,
  tags,
  timeout,
  validateRecord,
} from './stand-in-schema.js';

/** Kong 3.9's service, route and plugin schemas (the fields this backend touches, and their neighbours). */
const allProtocols = ['grpc', 'grpcs', 'http', 'https', 'tcp', 'tls', 'tls_passthrough', 'udp', 'ws', 'wss'];
const managed: Schema = {
  id: { type: 'string', check: checkUuid },
  created_at: { type: 'integer' },
  updated_at: { type: 'integer' },
  tags,
};
const requestTimeout = { ...timeout(60_000), between: [1, 2 ** 31 - 2] as [number, number] };
const checkMethod: Check<string> = (value) => (/^[A-Z]+$/.test(value) ? undefined : `invalid value: ${value}`);

const serviceSchema: Schema = {
  ...managed,
  name: { type: 'string', check: checkName },
  retries: { type: 'integer', between: [0, 32767], default: 5 },
  protocol: { type: 'string', required: true, default: 'http', oneOf: allProtocols },
  host: { type: 'string', required: true, check: checkHost },
  port: { type: 'integer', required: true, between: [0, 65535], default: 80 },
  path: { type: 'string', check: checkUrlPath },
  connect_timeout: requestTimeout,
  write_timeout: requestTimeout,
  read_timeout: requestTimeout,
  client_certificate: { type: 'foreign' },
  tls_verify: { type: 'boolean' },
  tls_verify_depth: { type: 'integer', between: [0, 64] },
  ca_certificates: { type: 'array', elements: { type: 'string', check: checkUuid } },
  enabled: { type: 'boolean', required: true, default: true },
};

const endpoint: Schema = { ip: { type: 'string' }, port: { type: 'integer', between: [0, 65535] } };
const routeSchema: Schema = {
  ...managed,
  name: { type: 'string', check: checkName },
  protocols: {
    type: 'set',
    required: true,
    default: ['http', 'https'],
    elements: { type: 'string', oneOf: allProtocols },
  },
  methods: { type: 'set', elements: { type: 'string', check: checkMethod } },
  hosts: { type: 'array', elements: { type: 'string' } },
  paths: { type: 'array', elements: { type: 'string', check: checkRouterPath } },
  headers: { type: 'map', keys: () => undefined, values: { type: 'array', elements: { type: 'string' } } },
  https_redirect_status_code: { type: 'integer-of', required: true, default: 426, oneOf: [426, 301, 302, 307, 308] },
  regex_priority: { type: 'integer', default: 0 },
  strip_path: { type: 'boolean', required: true, default: true },
  path_handling: { type: 'string', default: 'v0', oneOf: ['v0', 'v1'] },
  preserve_host: { type: 'boolean', required: true, default: false },
  request_buffering: { type: 'boolean', required: true, default: true },
  response_buffering: { type: 'boolean', required: true, default: true },
  snis: { type: 'set', elements: { type: 'string' } },
  sources: { type: 'set', elements: { type: 'record', fields: endpoint } },
  destinations: { type: 'set', elements: { type: 'record', fields: endpoint } },
  service: { type: 'foreign' },
};

const pluginBase: Schema = {
  ...managed,
  name: { type: 'string', required: true },
  instance_name: { type: 'string', check: checkName },
  route: { type: 'foreign' },
  service: { type: 'foreign' },
  consumer: { type: 'foreign' },
  enabled: { type: 'boolean', required: true, default: true },
};

export interface EntityCheck {
  entity: JsonObject;
  errors: ErrorTree | undefined;
}

/** The `url` shorthand of a service: sets protocol, host, port and path. */
function expandServiceUrl(input: JsonObject, errors: ErrorTree): JsonObject {
  const { url, ...rest } = input;
  if (url === undefined) return rest;
  if (typeof url !== 'string') {
    errors.url = 'expected a string';
    return rest;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    errors.url = `could not parse url. ${url}`;
    return rest;
  }
  const protocol = parsed.protocol.replace(/:$/, '');
  const port = parsed.port ? Number(parsed.port) : protocol === 'https' || protocol === 'grpcs' ? 443 : 80;
  // `http://host:3000` has no path (null); `http://host:3000/` has `/`.
  const path = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*\//i.test(url) ? parsed.pathname : null;
  return { ...rest, protocol, host: parsed.hostname, port, path };
}

function present(value: JsonValue | undefined): boolean {
  return value !== undefined && value !== null && !(Array.isArray(value) && value.length === 0);
}

function routeChecks(route: JsonObject, errors: ErrorTree): void {
  const protocols = Array.isArray(route.protocols) ? route.protocols : [];
  const secure = protocols.some((protocol) => protocol === 'https' || protocol === 'grpcs');
  const fields = secure ? ['methods', 'hosts', 'headers', 'paths', 'snis'] : ['methods', 'hosts', 'headers', 'paths'];
  if (protocols.some((p) => typeof p === 'string' && ['http', 'https', 'grpc', 'grpcs'].includes(p))) {
    if (!fields.some((field) => present(route[field]))) {
      const list = fields.map((field) => `'${field}'`).join(', ');
      addEntityError(errors, `must set one of ${list} when 'protocols' is '${secure ? 'https' : 'http'}'`);
    }
  }
}

function pluginChecks(plugin: JsonObject, errors: ErrorTree, dbless: boolean): void {
  const name = typeof plugin.name === 'string' ? plugin.name : '';
  const definition = pluginSchemas(dbless)[name];
  definition?.entityChecks?.(isJsonObject(plugin.config) ? plugin.config : {}, errors);
}

/** A test's way to make Kong refuse one entity: its name (a plugin's instance_name) → field error. */
export type Refusals = ReadonlyMap<string, { field: string; message: string }>;

export interface ValidateOptions {
  dbless: boolean;
  refusals?: Refusals;
}

/** Validates `input` as Kong would on POST/PUT and returns the entity with defaults filled. */
export function validateEntity(kind: KongKind, input: JsonObject, options: ValidateOptions): EntityCheck {
  const checked = validateKnown(kind, input, options);
  const key = kind === 'plugin' ? input.instance_name : input.name;
  const refusal = typeof key === 'string' ? options.refusals?.get(key) : undefined;
  if (!refusal) return checked;
  return { entity: checked.entity, errors: { ...checked.errors, [refusal.field]: refusal.message } };
}

function validateKnown(kind: KongKind, input: JsonObject, options: ValidateOptions): EntityCheck {
  const errors: ErrorTree = {};
  if (kind === 'service') {
    const expanded = expandServiceUrl(input, errors);
    const checked = validateRecord(serviceSchema, expanded);
    if (isJsonObject(checked.error)) Object.assign(errors, checked.error);
    return done(checked.value, errors);
  }
  if (kind === 'route') {
    const checked = validateRecord(routeSchema, input);
    if (isJsonObject(checked.error)) Object.assign(errors, checked.error);
    else if (isJsonObject(checked.value)) routeChecks(checked.value, errors);
    return done(checked.value, errors);
  }
  const name = typeof input.name === 'string' ? input.name : undefined;
  const definition = name === undefined ? undefined : pluginSchemas(options.dbless)[name];
  const schema: Schema = definition
    ? {
        ...pluginBase,
        protocols: definition.protocols,
        config: { type: 'record', fields: definition.config, check: definition.check },
      }
    : {
        ...pluginBase,
        protocols: { type: 'set', elements: { type: 'string' } },
        config: { type: 'map', keys: () => undefined, values: { type: 'string' } },
      };
  const checked = validateRecord(schema, input);
  if (isJsonObject(checked.error)) Object.assign(errors, checked.error);
  if (name !== undefined && !definition) {
    errors.name = `plugin '${name}' not enabled; add it to the 'plugins' configuration property`;
    delete errors.config;
  }
  if (!isJsonObject(checked.error) && isJsonObject(checked.value)) pluginChecks(checked.value, errors, options.dbless);
  return done(checked.value, errors);
}

function done(value: JsonValue, errors: ErrorTree): EntityCheck {
  return { entity: isJsonObject(value) ? value : {}, errors: Object.keys(errors).length > 0 ? errors : undefined };
}
