import { z } from 'zod';

/**
 * The one place that reads process.env. Everything else receives a parsed `Env`.
 * Parsing collects every problem at once so an operator fixes them in one go.
 */
const booleanString = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_BASE_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** One info line per completed request (method, url, status, ms, requestId); off, errors are still logged. */
  ACCESS_LOG: booleanString.default(false),
  DATA_DIR: z.string().default('.data'),
  DATABASE_URL: z.string().startsWith('postgres').optional(),
  /**
   * The owner connection migrations run on; default DATABASE_URL. Set it when DATABASE_URL
   * names the least-privilege login role (`authenticator`), as it should outside dev.
   */
  DATABASE_ADMIN_URL: z.string().startsWith('postgres').optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  SUPABASE_URL: z.url().optional(),
  SUPABASE_JWT_SECRET: z.string().min(32).optional(),
  SUPABASE_JWT_AUDIENCE: z.string().default('authenticated'),
  API_KEY_PEPPER: z.string().min(32).optional(),
  API_KEY_ENV: z
    .string()
    .regex(/^[a-z]{2,8}$/)
    .default('dev'),
  API_KEY_CACHE_SIZE: z.coerce.number().int().min(100).default(100_000),
  API_KEY_CACHE_TTL_MS: z.coerce.number().int().min(0).default(30_000),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_MANAGE_NAMESPACES: booleanString.default(false),
  /** A project's namespace is `<prefix><slug>`; users cannot name one themselves. */
  TEMPORAL_NAMESPACE_PREFIX: z
    .string()
    .regex(/^([a-z][a-z0-9-]{0,20})?$/)
    .default('wfb-'),
  /** Existing namespaces the operator lets projects use by name (comma-separated). */
  TEMPORAL_ALLOWED_NAMESPACES: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((name) => name.trim())
        .filter((name) => name.length > 0),
    ),
  TEMPORAL_CLI_PATH: z.string().optional(),
  ENCRYPTION_KEYS: z.string().optional(),
  /** Which ENCRYPTION_KEYS id new ciphertext uses; default: the last one listed. */
  ENCRYPTION_ACTIVE_KEY_ID: z.string().optional(),
  CONNECTOR_TEST_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(10),
  /** Connector proxy calls per member (JWT) per minute; API keys use their own key budget. */
  CONNECTOR_PROXY_USER_RATE_PER_MINUTE: z.coerce.number().int().min(1).max(1_000_000).default(600),
  OUTBOUND_ALLOW_CIDRS: z.string().default(''),
  OAUTH_RESULT_URL: z.url().optional(),
  KONG_ADMIN_URL: z.url().optional(),
  /** Kong controller (on when KONG_ADMIN_URL is set); see README "Kong". */
  KONG_ADMIN_TOKEN: z.string().min(1).optional(),
  KONG_MODE: z.enum(['db', 'dbless']).default('db'),
  /** Where Kong reaches this backend; required with KONG_ADMIN_URL. */
  KONG_UPSTREAM_URL: z.url().optional(),
  KONG_SYNC_INTERVAL_MS: z.coerce.number().int().min(1_000).default(30_000),
  KONG_RATE_LIMIT_POLICY: z.enum(['local', 'cluster', 'redis']).default('local'),
  KONG_REDIS_HOST: z.string().min(1).optional(),
  KONG_REDIS_PORT: z.coerce.number().int().min(1).max(65535).default(6379),
  KONG_REDIS_DATABASE: z.coerce.number().int().min(0).default(0),
  KONG_REDIS_USERNAME: z.string().min(1).optional(),
  KONG_REDIS_PASSWORD: z.string().min(1).optional(),
  KONG_REDIS_SSL: booleanString.default(false),
  /** Declarative base merged into DB-less pushes and `wfb kong export`; default the repository's kong/kong.yml. */
  KONG_BASE_CONFIG: z.string().min(1).optional(),
  /** Users (ids, comma-separated) who may run kong.sync and kong.diff. */
  KONG_OPERATOR_USER_IDS: z
    .string()
    .default('')
    .transform((list) =>
      list
        .split(',')
        .map((id) => id.trim())
        .filter((id) => id.length > 0),
    )
    .pipe(z.array(z.uuid())),
  /**
   * Which proxies (Kong) may set X-Forwarded-For: `true` (any) or CIDRs/IPs
   * (comma-separated). Per-client limits (failed key attempts) key on the client's IP,
   * which behind a proxy is only right when that proxy is trusted.
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((value): boolean | string[] => {
      if (value === undefined || value === 'false') return false;
      if (value === 'true') return true;
      return value.split(',').map((entry) => entry.trim());
    }),
  /** Drain time on SIGTERM; default GATEWAY_DEADLINE_MS + 5 s (see shutdownGraceOf in settings.ts). */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).optional(),
  /** Public gateway: deadline of every Temporal call, largest body, Retry-After on 503. */
  GATEWAY_DEADLINE_MS: z.coerce.number().int().min(100).max(300_000).default(10_000),
  GATEWAY_BODY_LIMIT_BYTES: z.coerce.number().int().min(1_024).max(16_777_216).default(1_048_576),
  GATEWAY_RETRY_AFTER_SECONDS: z.coerce.number().int().min(1).max(3_600).default(5),
  /** Safety net behind NOTIFY: how often the route table reloads everything. */
  GATEWAY_ROUTE_REFRESH_MS: z.coerce.number().int().min(1_000).default(60_000),
  /** Nexus: the task queue worker fleets serve in every project namespace (endpoint target). */
  NEXUS_TASK_QUEUE: z.string().min(1).max(255).default('wfb-nexus'),
  /** Marks this deployment's Nexus endpoints; deployments sharing a Temporal cluster need distinct scopes. */
  NEXUS_ENDPOINT_SCOPE: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/)
    .default('default'),
  /** How long a revoked or deleted connector's endpoint keeps refusing calls before removal. */
  NEXUS_TOMBSTONE_RETENTION_MS: z.coerce
    .number()
    .int()
    .min(0)
    .default(7 * 24 * 3600 * 1000),
  /** Safety net behind NOTIFY: how often the endpoint controller converges everything. */
  NEXUS_CONTROLLER_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  /** Bound of `projectConnectors.test` (the ping through the endpoint). */
  NEXUS_TEST_TIMEOUT_MS: z.coerce.number().int().min(500).max(120_000).default(10_000),
  /** When set, GET /metrics requires `Authorization: Bearer <token>`. */
  METRICS_TOKEN: z.string().min(16).optional(),
  /**
   * Workload credential of the workers' egress (POST /internal/v1/egress): workers send it as a
   * bearer token; no other route accepts it. Unset: the egress route is not served (the dev
   * command generates one).
   */
  WORKER_TOKEN: z.string().min(32).optional(),
  /** Largest upstream response the egress hands a workflow (it lands in workflow history). */
  EGRESS_MAX_RESPONSE_BYTES: z.coerce.number().int().min(1_024).max(4_194_304).default(1_048_576),
});

export type Env = z.infer<typeof envSchema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid environment:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'EnvError';
  }
}

/** Parts production must be given: local stand-ins (PGlite, generated secrets) are refused there. */
function productionProblems(source: Record<string, string | undefined>): string[] {
  if (source.NODE_ENV !== 'production') return [];
  const problems: string[] = [];
  if (!source.DATABASE_URL) problems.push('DATABASE_URL: required in production (PGlite is for local use)');
  if (!source.SUPABASE_JWT_SECRET && !source.SUPABASE_URL)
    problems.push('SUPABASE_JWT_SECRET or SUPABASE_URL: one is required in production');
  if (!source.API_KEY_PEPPER) problems.push('API_KEY_PEPPER: required in production (at least 32 characters)');
  if (!source.TEMPORAL_ADDRESS) problems.push('TEMPORAL_ADDRESS: required in production');
  if (!source.ENCRYPTION_KEYS)
    problems.push('ENCRYPTION_KEYS: required in production (id:base64key[,id:base64key...], 32-byte keys)');
  // /metrics labels carry every tenant's project slugs, interface ids and traffic.
  if (!source.METRICS_TOKEN) problems.push('METRICS_TOKEN: required in production (at least 16 characters)');
  return problems;
}

/** Kong settings that only make sense together (Kong would refuse the rest at the first sync). */
function kongProblems(env: Env): string[] {
  const problems: string[] = [];
  if (env.KONG_ADMIN_URL && !env.KONG_UPSTREAM_URL)
    problems.push('KONG_UPSTREAM_URL: required with KONG_ADMIN_URL (where Kong reaches this backend)');
  if (env.KONG_MODE === 'dbless' && env.KONG_RATE_LIMIT_POLICY === 'cluster')
    problems.push('KONG_RATE_LIMIT_POLICY: "cluster" needs a database; DB-less Kong refuses it (use local or redis)');
  if (env.KONG_RATE_LIMIT_POLICY === 'redis' && !env.KONG_REDIS_HOST)
    problems.push('KONG_REDIS_HOST: required with KONG_RATE_LIMIT_POLICY=redis');
  return problems;
}

export function parseEnv(source: Record<string, string | undefined>): Env {
  const cleaned = Object.fromEntries(Object.entries(source).filter(([, value]) => value !== undefined && value !== ''));
  const result = envSchema.safeParse(cleaned);
  const problems = [
    ...(result.success
      ? kongProblems(result.data)
      : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`)),
    ...productionProblems(cleaned),
  ];
  if (result.success) {
    const { SHUTDOWN_GRACE_MS: grace, GATEWAY_DEADLINE_MS: deadline } = result.data;
    if (grace !== undefined && grace < deadline + 1_000) {
      problems.push(
        `SHUTDOWN_GRACE_MS: must exceed GATEWAY_DEADLINE_MS (${deadline}) by at least 1000 ms, so a call started just before SIGTERM is answered before the forced exit`,
      );
    }
  }
  if (!result.success || problems.length > 0) throw new EnvError(problems);
  return result.data;
}

export function loadEnv(): Env {
  return parseEnv(process.env);
}
