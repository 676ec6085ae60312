import type { EgressPolicy, EgressReply } from './egress-client.js';
import type { HttpStepFailureCode } from './http-step.contract.js';
import { HttpStepFailure } from './http-step-failure.js';

/**
 * Turns what the egress answered into the activity's outcome: a result, or an
 * HttpStepFailure that Temporal retries or not. Retries are Temporal's (each attempt is in
 * the history and survives a worker crash); this decides, per attempt, whether another is
 * allowed and when: 4xx other than 408/429 and configuration problems never; 408, 429,
 * 5xx, network errors and timeouts up to the step's (or the connector's) attempts, after
 * its exponential backoff or the upstream's Retry-After (429/503). The control plane being
 * unreachable is retried without limit, so the workflow resumes when it is back.
 */
export interface AttemptContext {
  attempt: number;
  connector: string | undefined;
  /** What the call was to, for messages: `connector "x"` or a URL's origin. */
  target: string;
  retry: { attempts: number; backoffMs: number } | undefined;
}

const defaultPlainUrlRetry = { attempts: 3, backoffMs: 1_000 };
const maxDelayMs = 10 * 60_000;
const excerptLength = 200;

function budget(context: AttemptContext, policy: EgressPolicy | null) {
  if (context.retry) return context.retry;
  if (policy) return { attempts: policy.maxRetries + 1, backoffMs: policy.retryBackoffMs };
  return defaultPlainUrlRetry;
}

function failure(
  context: AttemptContext,
  message: string,
  fields: { code: HttpStepFailureCode; retryable: boolean; status?: number; bodyExcerpt?: string },
  policy: EgressPolicy | null,
  retryAfterMs?: number,
): HttpStepFailure {
  const details = {
    code: fields.code,
    status: fields.status ?? null,
    retryable: fields.retryable,
    connector: context.connector ?? null,
    bodyExcerpt: fields.bodyExcerpt ?? null,
  };
  if (!fields.retryable) return new HttpStepFailure(message, details);
  const { attempts, backoffMs } = budget(context, policy);
  if (context.attempt >= attempts) {
    return new HttpStepFailure(`${message} (gave up after ${context.attempt} attempts)`, details, {
      nonRetryable: true,
    });
  }
  const delay = retryAfterMs ?? backoffMs * 2 ** (context.attempt - 1);
  return new HttpStepFailure(message, details, { nonRetryable: false, nextRetryDelay: Math.min(delay, maxDelayMs) });
}

/** A control-plane failure: retried without counting against the upstream budget's intent. */
export function controlPlaneFailure(context: AttemptContext, message: string): HttpStepFailure {
  return new HttpStepFailure(message, {
    code: 'CONTROL_PLANE_UNAVAILABLE',
    status: null,
    retryable: true,
    connector: context.connector ?? null,
    bodyExcerpt: null,
  });
}

export function refusalFailure(context: AttemptContext, reply: Extract<EgressReply, { kind: 'refused' }>) {
  const { code, detail, policy } = reply;
  if (reply.httpStatus === 401 || (reply.retryable && !['BAD_GATEWAY', 'TIMEOUT'].includes(code))) {
    return controlPlaneFailure(context, `the control plane refused or failed the call: ${detail}`);
  }
  let kind: HttpStepFailureCode;
  if (reply.tokenRequest) kind = 'TOKEN_REFRESH_FAILED';
  else if (reply.maxBytes !== undefined) kind = 'RESPONSE_TOO_LARGE';
  else if (reply.category !== undefined) kind = 'DESTINATION_BLOCKED';
  else if (code === 'TIMEOUT') kind = 'UPSTREAM_TIMEOUT';
  else if (code === 'BAD_GATEWAY') kind = 'UPSTREAM_UNREACHABLE';
  else if (code === 'BAD_REQUEST') kind = 'INVALID_INPUT';
  else kind = 'CONNECTOR_UNAVAILABLE';
  return failure(context, detail, { code: kind, retryable: reply.retryable }, policy);
}

function retryAfterMs(headers: Record<string, string | string[]>): number | undefined {
  const raw = headers['retry-after'];
  const text = (Array.isArray(raw) ? raw[0] : raw)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

export function excerpt(body: Buffer): string {
  return body
    .subarray(0, excerptLength * 4)
    .toString('utf8')
    .replace(/\p{Cc}+/gu, ' ')
    .slice(0, excerptLength);
}

/** Undefined for a success (status < 400); otherwise the failure to throw. */
export function statusFailure(
  context: AttemptContext,
  reply: Extract<EgressReply, { kind: 'response' }>,
): HttpStepFailure | undefined {
  const { status } = reply;
  if (status < 400) return undefined;
  const retryable = status === 408 || status === 429 || status >= 500;
  const message = `${context.target} answered HTTP ${status}`;
  const wait = status === 429 || status === 503 ? retryAfterMs(reply.headers) : undefined;
  const fields = { code: 'UPSTREAM_STATUS' as const, retryable, status, bodyExcerpt: excerpt(reply.body) };
  return failure(context, message, fields, reply.policy, wait);
}
