/**
 * When and how long to wait before retrying an outbound request. Only failures that are
 * plausibly transient are retried (429, 502, 503, 504, connection-level errors), and only
 * for idempotent methods unless the caller opts in, because a POST whose response was
 * lost may already have taken effect. Delays use exponential backoff with full jitter so
 * many workers retrying the same provider do not synchronise; a server's Retry-After
 * takes precedence, up to a cap.
 */
export interface RetryOptions {
  /** Retries after the first attempt, per hop. Default 2. */
  maxRetries?: number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  /** A Retry-After longer than this is not waited for: the response is returned instead. */
  maxRetryAfterMs?: number;
  /** Retry non-idempotent methods (POST, PATCH) too. */
  retryNonIdempotent?: boolean;
}

export type ResolvedRetryOptions = Required<RetryOptions>;

export const DEFAULT_RETRY: ResolvedRetryOptions = {
  maxRetries: 2,
  baseDelayMs: 200,
  maxDelayMs: 5_000,
  maxRetryAfterMs: 30_000,
  retryNonIdempotent: false,
};

const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE']);
const RETRYABLE_ERROR_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

const IMF_FIXDATE = /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC_850_DATE = /^[A-Z][a-z]+, \d{2}-[A-Z][a-z]{2}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

export function resolveRetryOptions(options: RetryOptions = {}): ResolvedRetryOptions {
  const resolved = { ...DEFAULT_RETRY, ...options };
  for (const key of ['maxRetries', 'baseDelayMs', 'maxDelayMs', 'maxRetryAfterMs'] as const) {
    if (!Number.isFinite(resolved[key]) || resolved[key] < 0) throw new RangeError(`retry.${key} must be >= 0`);
  }
  return resolved;
}

export function mayRetryMethod(method: string, options: ResolvedRetryOptions): boolean {
  return options.retryNonIdempotent || IDEMPOTENT_METHODS.has(method);
}

export function isRetryableStatus(status: number): boolean {
  return RETRYABLE_STATUSES.has(status);
}

export function isRetryableError(error: unknown): boolean {
  const code = errorCode(error) ?? errorCode(error instanceof Error ? error.cause : undefined);
  return code !== undefined && RETRYABLE_ERROR_CODES.has(code);
}

/** Full-jitter backoff for retry number `retry` (1-based). */
export function backoffDelayMs(retry: number, options: ResolvedRetryOptions, random = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * ceiling);
}

/** Milliseconds from a Retry-After value (delta-seconds or HTTP-date); undefined when absent or unparsable. */
export function parseRetryAfterMs(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = parseHttpDate(text);
  return date === undefined ? undefined : Math.max(0, date - now);
}

/** RFC 9110 HTTP-date in its three forms; Date.parse alone accepts almost any text. */
function parseHttpDate(text: string): number | undefined {
  let normalized: string | undefined;
  if (IMF_FIXDATE.test(text) || RFC_850_DATE.test(text)) normalized = text;
  else if (ASCTIME_DATE.test(text)) normalized = `${text} GMT`;
  const date = normalized === undefined ? Number.NaN : Date.parse(normalized);
  return Number.isNaN(date) ? undefined : date;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}
