import { AppError } from '@wfb/core/errors.js';
import { ResponseTooLargeError, TooManyRedirectsError } from '../../net/errors.js';
import type { EgressPolicy } from './egress.js';
import { OAuthProviderError } from './oauth-failure.js';

/**
 * Whether retrying an egress failure can help, for the worker to turn into a retryable or
 * non-retryable activity failure. Configuration and input problems (unknown or disabled
 * connector, needs re-authorisation, blocked address, bad path, oversized response) stay
 * what they are however often they are retried; network trouble, timeouts, an overloaded
 * provider and our own database outage pass.
 */
const providerRefusals = new Set([
  'invalid_grant',
  'invalid_client',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_request',
  'issuer_mismatch',
  'token_endpoint_blocked',
  'token_response_too_large',
]);

export function isRetryableEgressFailure(error: unknown): boolean {
  if (error instanceof OAuthProviderError) {
    if (providerRefusals.has(error.reason)) return false;
    return error.providerStatus === undefined || error.providerStatus >= 500 || error.providerStatus === 429;
  }
  if (error instanceof ResponseTooLargeError || error instanceof TooManyRedirectsError) return false;
  if (!(error instanceof AppError)) return true;
  switch (error.code) {
    case 'BAD_GATEWAY':
    case 'TIMEOUT':
    case 'UNAVAILABLE':
    case 'INTERNAL':
    case 'TOO_MANY_REQUESTS':
      return true;
    default:
      return false;
  }
}

/**
 * What the egress throws: the original failure's code and message, whether a retry can
 * help, and the connector's retry settings (when one was resolved), so the activity can
 * count attempts against them even when no response came back.
 */
export class EgressFailure extends AppError {
  constructor(
    readonly original: AppError,
    readonly retryable: boolean,
    readonly connector: string | undefined,
    readonly policy: EgressPolicy | null,
  ) {
    super(
      original.code,
      connector && !original.message.includes(`"${connector}"`)
        ? `connector "${connector}": ${original.message}`
        : original.message,
      {
        cause: original,
        details: { ...original.details, ...(connector !== undefined && { connector }) },
        ...(original.retryAfterSeconds !== undefined && { retryAfterSeconds: original.retryAfterSeconds }),
      },
    );
    this.name = 'EgressFailure';
  }
}

/** `error` as an EgressFailure; errors that are not AppErrors (bugs) pass unchanged. */
export function toEgressFailure(error: unknown, connector: string | undefined, policy: EgressPolicy | null): unknown {
  if (error instanceof EgressFailure || !(error instanceof AppError)) return error;
  return new EgressFailure(error, isRetryableEgressFailure(error), connector, policy);
}
