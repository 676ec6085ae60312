import { routeId, serviceId } from './deterministic-id.js';
import {
  interfaceName,
  type KongPlugin,
  type KongRoute,
  type KongService,
  type KongState,
  managedTag,
  projectTag,
  serviceName,
} from './kong-types.js';
import { kongRoutePath, openApiPath, whoamiPath } from './route-regex.js';
import {
  correlationIdPlugin,
  type RateLimitOptions,
  rateLimitingPlugin,
  requestSizeLimitingPlugin,
} from './translate-plugins.js';

/**
 * Desired rows → desired Kong state, pure. Independent of the database: the caller maps its
 * rows to `PublicInterfaceInput`. A row Kong could not take is left out and reported in
 * `rejected`, so one bad interface never blocks the others; a bad option (the whole
 * configuration is wrong) throws `KongConfigError`.
 *
 * The whole desired state comes from here, static routes included (`/api/v1/whoami`,
 * `/api/v1/openapi/<file>`), rather than from kong/kong.yml: DB mode has no file to merge, and
 * one source means both modes converge on the same entities. The base file only adds what
 * this backend does not manage (see declarative-config.ts).
 */
export interface PublicInterfaceInput {
  publicInterfaceId: string;
  projectId: string;
  routeHash: string;
  method: string;
  /** The interface's path template, e.g. `/orders/{orderId}`. */
  path: string;
  rateLimitPerMinute: number | null;
  enabled: boolean;
}

export interface TranslateOptions {
  /** Where Kong proxies to: this backend (`KONG_UPSTREAM_URL`). */
  upstreamUrl: string;
  /** The backend's `GATEWAY_BODY_LIMIT_BYTES`. */
  bodyLimitBytes: number;
  rateLimit?: RateLimitOptions;
  /** DB-less Kong refuses the `cluster` rate-limiting policy. */
  mode?: 'db' | 'dbless';
}

export interface RejectedInterface {
  publicInterfaceId: string;
  reason: string;
}

export interface TranslateResult {
  state: KongState;
  rejected: RejectedInterface[];
}

export class KongConfigError extends Error {
  override name = 'KongConfigError';
}

const methods = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
/** Characters Kong accepts in names and in a `?tags=` filter; ids end up in both. */
const kongSafe = /^[A-Za-z0-9._~-]+$/;

function upstreamService(upstreamUrl: string): KongService {
  let url: URL;
  try {
    url = new URL(upstreamUrl);
  } catch {
    throw new KongConfigError(`upstream URL is not a URL: ${upstreamUrl}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new KongConfigError(`upstream URL must be http or https: ${upstreamUrl}`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new KongConfigError('upstream URL must not carry a query, fragment or credentials');
  }
  const protocol = url.protocol === 'https:' ? 'https' : 'http';
  return {
    id: serviceId(serviceName),
    name: serviceName,
    protocol,
    host: url.hostname,
    port: url.port ? Number(url.port) : protocol === 'https' ? 443 : 80,
    // strip_path is false, so Kong forwards `<path><request path>`; no path keeps /api/v1/… as is.
    path: url.pathname === '/' ? null : url.pathname.replace(/\/+$/, ''),
    retries: 5,
    connect_timeout: 60_000,
    write_timeout: 60_000,
    read_timeout: 60_000,
    enabled: true,
    tags: [managedTag],
  };
}

function checkOptions(options: TranslateOptions): void {
  if (!Number.isInteger(options.bodyLimitBytes) || options.bodyLimitBytes < 1) {
    throw new KongConfigError('body limit must be a positive whole number of bytes');
  }
  const policy = options.rateLimit?.policy ?? 'local';
  if (policy === 'cluster' && options.mode === 'dbless') {
    throw new KongConfigError('rate-limiting policy "cluster" needs a database; DB-less Kong refuses it');
  }
  if (policy === 'redis' && !options.rateLimit?.redis?.host) {
    throw new KongConfigError('rate-limiting policy "redis" needs redis.host');
  }
}

function route(input: { name: string; methods: string[]; path: string; service: KongService; tags: string[] }) {
  const entity: KongRoute = {
    id: routeId(input.name),
    name: input.name,
    protocols: ['http', 'https'],
    methods: input.methods,
    paths: [input.path],
    strip_path: false,
    preserve_host: false,
    regex_priority: 0,
    path_handling: 'v0',
    https_redirect_status_code: 426,
    request_buffering: true,
    response_buffering: true,
    service: { id: input.service.id },
    tags: input.tags,
  };
  return entity;
}

function rejectionOf(row: PublicInterfaceInput): string | undefined {
  if (!kongSafe.test(row.publicInterfaceId)) return 'public interface id has characters Kong refuses in names';
  if (!kongSafe.test(row.projectId)) return 'project id has characters Kong refuses in tags';
  if (!methods.has(row.method)) return `unsupported method ${row.method}`;
  const limit = row.rateLimitPerMinute;
  if (limit !== null && !(Number.isInteger(limit) && limit > 0)) return `invalid rate limit ${limit}`;
  return undefined;
}

export function translate(rows: readonly PublicInterfaceInput[], options: TranslateOptions): TranslateResult {
  checkOptions(options);
  const service = upstreamService(options.upstreamUrl);
  const routes: KongRoute[] = [
    route({ name: 'wfb-openapi', methods: ['GET', 'HEAD'], path: openApiPath, service, tags: [managedTag] }),
    route({ name: 'wfb-whoami', methods: ['GET', 'HEAD'], path: whoamiPath, service, tags: [managedTag] }),
  ];
  const plugins: KongPlugin[] = [
    correlationIdPlugin(service, [managedTag]),
    requestSizeLimitingPlugin(service, options.bodyLimitBytes, [managedTag]),
  ];
  const rejected: RejectedInterface[] = [];
  const sorted = [...rows].sort((a, b) => (a.publicInterfaceId < b.publicInterfaceId ? -1 : 1));
  for (const row of sorted) {
    if (!row.enabled) continue;
    const path = kongRoutePath(row.routeHash, row.path);
    const reason = rejectionOf(row) ?? (path.ok ? undefined : path.reason);
    if (reason !== undefined || !path.ok) {
      rejected.push({ publicInterfaceId: row.publicInterfaceId, reason: reason ?? 'invalid path' });
      continue;
    }
    const name = interfaceName(row.publicInterfaceId);
    const tags = [managedTag, projectTag(row.projectId), name];
    const entity = route({ name, methods: [row.method], path: path.path, service, tags });
    routes.push(entity);
    if (row.rateLimitPerMinute !== null) {
      plugins.push(
        rateLimitingPlugin({
          routeId: entity.id,
          routeName: name,
          perMinute: row.rateLimitPerMinute,
          options: options.rateLimit ?? {},
          tags,
        }),
      );
    }
  }
  return { state: { services: [service], routes, plugins }, rejected };
}
