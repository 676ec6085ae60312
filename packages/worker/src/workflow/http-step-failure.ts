import { ActivityFailure, ApplicationFailure, type Duration } from '@temporalio/common';
import { type HttpStepFailureCode, type HttpStepFailureDetails, httpStepFailureType } from './http-step.contract.js';

/**
 * The one failure type of HTTP steps. The activity throws it as an ApplicationFailure of
 * type `HttpStepFailure` with its details; `http()` and `webhook()` rethrow it in the
 * workflow as this class, so workflow code branches on `code`, `status`, `retryable` and
 * `connector` (left uncaught, it fails the workflow with the same type and details).
 * Messages carry hosts, statuses and connector names, never credentials.
 */
export class HttpStepFailure extends ApplicationFailure {
  readonly code: HttpStepFailureCode;
  readonly status: number | null;
  readonly retryable: boolean;
  readonly connector: string | null;
  readonly bodyExcerpt: string | null;

  constructor(
    message: string,
    details: HttpStepFailureDetails,
    options: { nonRetryable?: boolean; nextRetryDelay?: Duration | undefined; cause?: Error } = {},
  ) {
    super(
      message,
      httpStepFailureType,
      options.nonRetryable ?? !details.retryable,
      [details],
      options.cause,
      options.nextRetryDelay,
    );
    this.code = details.code;
    this.status = details.status;
    this.retryable = details.retryable;
    this.connector = details.connector;
    this.bodyExcerpt = details.bodyExcerpt;
  }

  /** A step failure built in workflow code (invalid options), before any call. */
  static invalidInput(message: string, connector: string | undefined): HttpStepFailure {
    return new HttpStepFailure(message, {
      code: 'INVALID_INPUT',
      status: null,
      retryable: false,
      connector: connector ?? null,
      bodyExcerpt: null,
    });
  }
}

function isDetails(value: unknown): value is HttpStepFailureDetails {
  return typeof value === 'object' && value !== null && 'code' in value && 'retryable' in value;
}

/** The HttpStepFailure inside what an activity or child workflow failed with, if it is one. */
export function asHttpStepFailure(error: unknown): HttpStepFailure | undefined {
  const cause = error instanceof ActivityFailure ? error.cause : error;
  if (!(cause instanceof ApplicationFailure) || cause.type !== httpStepFailureType) return undefined;
  const [details] = cause.details ?? [];
  if (!isDetails(details)) return undefined;
  return new HttpStepFailure(cause.message, details, {
    nonRetryable: true,
    ...(error instanceof Error && { cause: error }),
  });
}
