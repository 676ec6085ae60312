import { type FlattenedEntityError, parseFlattenedErrors } from './flattened-errors.js';
import { isJsonObject, type JsonObject } from './kong-types.js';

/**
 * Kong's error body is `{code, name, message, fields}` (404 is `{message: "Not found"}`, bad
 * JSON `{message: "Cannot parse JSON body"}`, code 11 carries `options` instead of `fields`,
 * code 14 may add `flattened_errors`). `KongAdminError` is Kong having answered;
 * `KongTransportError` is Kong not answering (refused, reset, timed out).
 */
export const kongErrorCodes = {
  invalidPrimaryKey: 1,
  schemaViolation: 2,
  primaryKeyViolation: 3,
  foreignKeyViolation: 4,
  uniqueViolation: 5,
  notFound: 6,
  invalidOffset: 7,
  databaseError: 8,
  invalidSize: 9,
  invalidUnique: 10,
  invalidOptions: 11,
  operationUnsupported: 12,
  foreignKeysUnresolved: 13,
  declarativeConfig: 14,
  referencedByOthers: 19,
} as const;

export interface RequestLabel {
  method: string;
  path: string;
}

export class KongAdminError extends Error {
  override name = 'KongAdminError';
  readonly status: number;
  readonly code: number | undefined;
  /** Kong's own `name` of the error, e.g. "schema violation". */
  readonly kongName: string | undefined;
  readonly kongMessage: string;
  /** Field → message (nested for records, arrays for array fields, `@entity` for entity checks). */
  readonly fields: JsonObject | undefined;
  readonly flattenedErrors: FlattenedEntityError[];
  /** From Retry-After, when Kong sent one (429 while a config loads, 503). */
  readonly retryAfterMs: number | undefined;
  readonly request: RequestLabel;
  readonly body: unknown;

  constructor(input: { status: number; body: unknown; text: string; request: RequestLabel; retryAfterMs?: number }) {
    const body = isJsonObject(input.body) ? input.body : undefined;
    const kongMessage =
      typeof body?.message === 'string' ? body.message : input.text.slice(0, 200) || `HTTP ${input.status}`;
    super(`Kong ${input.request.method} ${input.request.path} → ${input.status}: ${kongMessage}`);
    this.status = input.status;
    this.code = typeof body?.code === 'number' ? body.code : undefined;
    this.kongName = typeof body?.name === 'string' ? body.name : undefined;
    this.kongMessage = kongMessage;
    const fields = body?.fields ?? body?.options;
    this.fields = isJsonObject(fields) ? fields : undefined;
    this.flattenedErrors = parseFlattenedErrors(body);
    this.retryAfterMs = input.retryAfterMs;
    this.request = input.request;
    this.body = input.body;
  }

  /** 5xx and 429 may pass; any other 4xx is a property of the request and would fail again. */
  get retryable(): boolean {
    return this.status >= 500 || this.status === 429;
  }
}

export class KongTransportError extends Error {
  override name = 'KongTransportError';
  readonly request: RequestLabel;
  readonly timedOut: boolean;

  constructor(input: { request: RequestLabel; cause: unknown; timedOut: boolean; timeoutMs?: number }) {
    const reason = input.timedOut
      ? `no answer within ${input.timeoutMs ?? '?'} ms`
      : input.cause instanceof Error
        ? input.cause.message
        : String(input.cause);
    super(`Kong ${input.request.method} ${input.request.path} failed: ${reason}`, { cause: input.cause });
    this.request = input.request;
    this.timedOut = input.timedOut;
  }

  get retryable(): boolean {
    return true;
  }
}

/** `Retry-After` as delay-seconds or an HTTP-date; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | string[] | undefined, now: number = Date.now()): number | undefined {
  const header = Array.isArray(value) ? value[0] : value;
  if (header === undefined || header.trim() === '') return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}
