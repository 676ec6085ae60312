/**
 * The worker's side of the control plane's egress (`POST /internal/v1/egress`): the worker
 * holds no connector secret, only its workload token. A reply is either the upstream's
 * response or a refusal (problem body with `retryable`); a network failure, a timeout or an
 * answer that is neither throws ControlPlaneUnreachableError.
 */
export interface ControlPlaneConfig {
  /** e.g. http://control-plane:3000 */
  url: string;
  /** The WORKER_TOKEN the control plane was given. */
  token: string;
}

export interface EgressRequest {
  namespace: string;
  workflow: { id: string; runId: string; type: string };
  connector?: string | undefined;
  url?: string | undefined;
  method: string;
  path?: string | undefined;
  query?: Record<string, string | string[]> | undefined;
  headers?: Record<string, string> | undefined;
  /** base64 */
  body?: string | undefined;
  timeoutMs?: number | undefined;
}

export interface EgressPolicy {
  timeoutMs: number;
  maxRetries: number;
  retryBackoffMs: number;
}

export type EgressReply =
  | {
      kind: 'response';
      status: number;
      headers: Record<string, string | string[]>;
      body: Buffer;
      policy: EgressPolicy | null;
    }
  | {
      kind: 'refused';
      httpStatus: number;
      code: string;
      detail: string;
      retryable: boolean;
      policy: EgressPolicy | null;
      /** Set when the failure came from an OAuth token request. */
      tokenRequest: boolean;
      /** Set for a response over the size cap. */
      maxBytes: number | undefined;
      /** Set when the SSRF policy refused the destination. */
      category: string | undefined;
    };

export class ControlPlaneUnreachableError extends Error {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ControlPlaneUnreachableError';
  }
}

export const egressPath = '/internal/v1/egress';
/** Time the control plane gets beyond the upstream's own timeout (token refresh, database, queueing). */
const controlPlaneMarginMs = 15_000;
const defaultUpstreamTimeoutMs = 300_000;

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function policyOf(value: unknown): EgressPolicy | null {
  const policy = record(value);
  const { timeoutMs, maxRetries, retryBackoffMs } = policy;
  return typeof timeoutMs === 'number' && typeof maxRetries === 'number' && typeof retryBackoffMs === 'number'
    ? { timeoutMs, maxRetries, retryBackoffMs }
    : null;
}

export async function callEgress(
  config: ControlPlaneConfig,
  request: EgressRequest,
  options: { signal?: AbortSignal; fetch?: typeof fetch } = {},
): Promise<EgressReply> {
  const target = new URL(egressPath, config.url);
  const timeout = AbortSignal.timeout((request.timeoutMs ?? defaultUpstreamTimeoutMs) + controlPlaneMarginMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  let text: string;
  try {
    response = await (options.fetch ?? fetch)(target, {
      method: 'POST',
      headers: { authorization: `Bearer ${config.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(request),
      signal,
    });
    text = await response.text();
  } catch (error) {
    const reason = error instanceof Error ? (causeCode(error) ?? error.name) : 'error';
    throw new ControlPlaneUnreachableError(`the control plane at ${target.origin} is unreachable (${reason})`, {
      cause: error,
    });
  }
  let json: Record<string, unknown>;
  try {
    json = record(JSON.parse(text));
  } catch {
    throw new ControlPlaneUnreachableError(
      `the control plane at ${target.origin} answered HTTP ${response.status} without a JSON body`,
    );
  }
  if (response.status === 200 && typeof json.status === 'number' && typeof json.body === 'string') {
    return {
      kind: 'response',
      status: json.status,
      headers: record(json.headers) as Record<string, string | string[]>,
      body: Buffer.from(json.body, 'base64'),
      policy: policyOf(json.policy),
    };
  }
  return {
    kind: 'refused',
    httpStatus: response.status,
    code: typeof json.code === 'string' ? json.code : 'UNKNOWN',
    detail: typeof json.detail === 'string' ? json.detail : `HTTP ${response.status}`,
    // Anything that is not a deliberate, final refusal may pass with time (a 500, a proxy's 502).
    retryable: json.retryable !== false,
    policy: policyOf(json.policy),
    tokenRequest: json.tokenRequest === true,
    maxBytes: typeof json.maxBytes === 'number' ? json.maxBytes : undefined,
    category: typeof json.category === 'string' ? json.category : undefined,
  };
}

function causeCode(error: Error): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 4; depth += 1) {
    const code = (current as NodeJS.ErrnoException).code;
    if (typeof code === 'string') return code;
    if (current.name === 'TimeoutError') return 'timeout';
    current = current.cause;
  }
  return undefined;
}
