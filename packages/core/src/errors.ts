import { isDatabaseUnavailable } from './db/unavailable.js';

/**
 * The names tRPC gives its error codes (a subset of `TRPC_ERROR_CODE_KEY`; trpc/trpc.ts
 * checks they stay assignable), spelled here so core need not depend on tRPC.
 */
export type TrpcErrorCodeName =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'METHOD_NOT_SUPPORTED'
  | 'CONFLICT'
  | 'PRECONDITION_FAILED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNPROCESSABLE_CONTENT'
  | 'TOO_MANY_REQUESTS'
  | 'INTERNAL_SERVER_ERROR'
  | 'BAD_GATEWAY'
  | 'SERVICE_UNAVAILABLE'
  | 'GATEWAY_TIMEOUT';

/**
 * The closed list of failure codes. Services throw `AppError`; the tRPC error formatter
 * and the REST error handler map them here and nowhere else.
 */
export const appErrorCodes = {
  BAD_REQUEST: { http: 400, trpc: 'BAD_REQUEST' },
  UNAUTHORIZED: { http: 401, trpc: 'UNAUTHORIZED' },
  FORBIDDEN: { http: 403, trpc: 'FORBIDDEN' },
  NOT_FOUND: { http: 404, trpc: 'NOT_FOUND' },
  METHOD_NOT_ALLOWED: { http: 405, trpc: 'METHOD_NOT_SUPPORTED' },
  CONFLICT: { http: 409, trpc: 'CONFLICT' },
  PRECONDITION_FAILED: { http: 412, trpc: 'PRECONDITION_FAILED' },
  PAYLOAD_TOO_LARGE: { http: 413, trpc: 'PAYLOAD_TOO_LARGE' },
  UNPROCESSABLE: { http: 422, trpc: 'UNPROCESSABLE_CONTENT' },
  TOO_MANY_REQUESTS: { http: 429, trpc: 'TOO_MANY_REQUESTS' },
  INTERNAL: { http: 500, trpc: 'INTERNAL_SERVER_ERROR' },
  BAD_GATEWAY: { http: 502, trpc: 'BAD_GATEWAY' },
  UNAVAILABLE: { http: 503, trpc: 'SERVICE_UNAVAILABLE' },
  TIMEOUT: { http: 504, trpc: 'GATEWAY_TIMEOUT' },
} as const satisfies Record<string, { http: number; trpc: TrpcErrorCodeName }>;

export type AppErrorCode = keyof typeof appErrorCodes;

export interface AppErrorOptions {
  cause?: unknown;
  /** Safe, structured detail returned to the caller (never secrets). */
  details?: Record<string, unknown>;
  /** Seconds after which a retry may succeed (429, 503). */
  retryAfterSeconds?: number;
}

export class AppError extends Error {
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly code: AppErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'AppError';
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }

  get httpStatus(): number {
    return appErrorCodes[this.code].http;
  }

  get trpcCode(): TrpcErrorCodeName {
    return appErrorCodes[this.code].trpc;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

export const databaseRetryAfterSeconds = 5;

/** The 503 for a database that cannot be reached; `details.dependency` lets handlers log it once, not per request. */
export function databaseUnavailable(cause: unknown): AppError {
  return new AppError('UNAVAILABLE', 'the database is unavailable; retry later', {
    cause,
    retryAfterSeconds: databaseRetryAfterSeconds,
    details: { dependency: 'database' },
  });
}

export function isDatabaseOutage(error: unknown): boolean {
  return error instanceof AppError && error.code === 'UNAVAILABLE' && error.details?.dependency === 'database';
}

interface PostgresLikeError {
  code?: unknown;
  constraint?: unknown;
}

/**
 * Turns database errors that user input can cause into AppErrors, and an unreachable
 * database into a 503; anything else is returned unchanged so it is logged once as
 * INTERNAL with its cause.
 */
export function fromDatabaseError(error: unknown, conflictMessage = 'already exists'): unknown {
  if (error instanceof AppError || typeof error !== 'object' || error === null) return error;
  if (isDatabaseUnavailable(error)) return databaseUnavailable(error);
  const code = (error as PostgresLikeError).code;
  switch (code) {
    case '23505':
      return new AppError('CONFLICT', conflictMessage, { cause: error });
    case '23503':
      return new AppError('NOT_FOUND', 'a referenced entity does not exist', { cause: error });
    case '23514':
    case '22P02':
    case '22001':
    case '22007':
    case '22008':
    case '22009':
      return new AppError('BAD_REQUEST', 'invalid value', { cause: error });
    // NUL in text (22021) or in jsonb (22P05): the input schemas refuse it first; this is
    // the backstop for any path that reaches the database without them.
    case '22021':
    case '22P05':
      return new AppError('BAD_REQUEST', 'text must not contain NUL (U+0000) or invalid Unicode', { cause: error });
    case '42501':
      return new AppError('NOT_FOUND', 'not found', { cause: error });
    default:
      return error;
  }
}
