import { z } from 'zod';

/**
 * The one place in the worker package that reads process.env. Everything else receives
 * parsed values as arguments, so tests and the dev command can run workers without
 * touching the environment. Parsing reports every problem at once.
 */
const namespacePattern = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

const namespaceList = z
  .string()
  .transform((raw) =>
    raw
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name.length > 0),
  )
  .pipe(
    z
      .array(z.string().regex(namespacePattern, 'namespace names are letters, digits, ".", "_" and "-"'))
      .min(1, 'at least one namespace is required')
      .refine((names) => new Set(names).size === names.length, 'namespaces must not repeat'),
  );

const envSchema = z.object({
  TEMPORAL_ADDRESS: z
    .string()
    .regex(/^[^:\s]+:\d{1,5}$/, 'expected host:port')
    .default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACES: namespaceList.default(['default']),
  TASK_QUEUE: z.string().min(1).default('wfb-examples'),
  /**
   * Read-only policy database for the cross-project Nexus handler, as role `wfb_worker`
   * (select on two views, LISTEN). Without it the worker runs the example services only.
   */
  WORKER_DATABASE_URL: z.string().startsWith('postgres').optional(),
  /** The task queue project connector endpoints target; must equal the control plane's. */
  NEXUS_TASK_QUEUE: z.string().min(1).max(255).default('wfb-nexus'),
  /** Serve every project's namespace (from the database, followed live) besides TEMPORAL_NAMESPACES. */
  WORKER_ALL_PROJECTS: z
    .enum(['true', 'false', '1', '0'])
    .transform((value) => value === 'true' || value === '1')
    .default(false),
  /** Where GET /metrics answers (cross-project calls by connector, operation, outcome). */
  WORKER_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TEMPORAL_CLI_PATH: z.string().min(1).optional(),
  /** The control plane whose egress makes HTTP steps' calls (credentials stay there), with its WORKER_TOKEN. */
  CONTROL_PLANE_URL: z.url().optional(),
  WORKER_TOKEN: z.string().min(32).optional(),
});

export type WorkerEnv = z.infer<typeof envSchema>;

export class WorkerEnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid environment:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'WorkerEnvError';
  }
}

function withoutBlanks(source: Record<string, string | undefined>): Record<string, string> {
  const entries = Object.entries(source).filter(
    (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
  );
  return Object.fromEntries(entries);
}

export function parseWorkerEnv(source: Record<string, string | undefined>): WorkerEnv {
  const result = envSchema.safeParse(withoutBlanks(source));
  if (!result.success) {
    throw new WorkerEnvError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`),
    );
  }
  if ((result.data.CONTROL_PLANE_URL === undefined) !== (result.data.WORKER_TOKEN === undefined)) {
    throw new WorkerEnvError(['CONTROL_PLANE_URL and WORKER_TOKEN: set both for HTTP steps, or neither']);
  }
  return result.data;
}

/** Both or neither: HTTP steps need the control plane's URL and the token it accepts. */
export function controlPlaneOf(env: WorkerEnv): { url: string; token: string } | undefined {
  return env.CONTROL_PLANE_URL && env.WORKER_TOKEN
    ? { url: env.CONTROL_PLANE_URL, token: env.WORKER_TOKEN }
    : undefined;
}

let cached: WorkerEnv | undefined;

export function loadWorkerEnv(): WorkerEnv {
  cached ??= parseWorkerEnv(process.env);
  return cached;
}

/**
 * Test runs need to know whether TEMPORAL_ADDRESS was set explicitly (use that server)
 * or not (start a dev server), which the defaulted schema above cannot tell apart.
 */
export interface TestServerEnv {
  externalAddress: string | undefined;
  cliPath: string | undefined;
}

export function loadTestServerEnv(): TestServerEnv {
  const source = withoutBlanks(process.env);
  return { externalAddress: source.TEMPORAL_ADDRESS, cliPath: source.TEMPORAL_CLI_PATH };
}
