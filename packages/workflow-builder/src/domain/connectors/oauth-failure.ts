import { AppError, type AppErrorCode } from '@wfb/core/errors.js';
import * as oauth from 'oauth4webapi';
import { BlockedAddressError, OutboundTimeoutError, ResponseTooLargeError } from '../../net/errors.js';
import { UpstreamUnreachableError } from '../../net/upstream-unreachable.js';

/**
 * Why an OAuth exchange failed, as a short stable reason the log line, the audit row and
 * the user all get: an RFC 6749 §5.2 error code the provider sent (`invalid_grant`,
 * `invalid_scope`, …) or one of ours naming what was wrong with its answer
 * (`token_endpoint_status_500`, `token_response_not_json`, `issuer_mismatch`, …). Built
 * only from status codes and oauth4webapi's error codes, never from a body: response
 * bodies may hold tokens, so neither they nor the original error travel on.
 */
export type OAuthStep = 'authorization' | 'code exchange' | 'refresh' | 'client credentials' | 'discovery';

export interface OAuthFailure {
  step: OAuthStep;
  reason: string;
  /** The HTTP status the endpoint answered with, when it answered. */
  status: number | undefined;
}

export class OAuthProviderError extends AppError {
  readonly step: OAuthStep;
  readonly reason: string;
  readonly providerStatus: number | undefined;

  constructor(failure: OAuthFailure, message: string = describeFailure(failure), code: AppErrorCode = 'BAD_GATEWAY') {
    super(code, message, {
      details: { reason: failure.reason, ...(failure.status !== undefined && { providerStatus: failure.status }) },
    });
    this.name = 'OAuthProviderError';
    this.step = failure.step;
    this.reason = failure.reason;
    this.providerStatus = failure.status;
  }

  get failure(): OAuthFailure {
    return { step: this.step, reason: this.reason, status: this.providerStatus };
  }
}

/** Turns what a grant threw into an OAuthProviderError; programming errors pass unchanged. */
export function toOAuthError(step: OAuthStep, error: unknown): unknown {
  if (error instanceof OAuthProviderError) return error;
  const endpoint = step === 'discovery' ? 'metadata' : 'token';
  if (error instanceof AppError) {
    const reason = networkReason(error, endpoint);
    // The network error's own message names the host and what went wrong; keep it and its code.
    return reason ? new OAuthProviderError({ step, reason, status: undefined }, error.message, error.code) : error;
  }
  if (error instanceof oauth.ResponseBodyError) {
    return new OAuthProviderError({ step, reason: oauthErrorCode(error.error), status: error.status });
  }
  if (error instanceof oauth.WWWAuthenticateChallengeError) {
    const reason = oauthErrorCode(error.cause[0]?.parameters.error ?? 'invalid_client');
    return new OAuthProviderError({ step, reason, status: error.status });
  }
  if (error instanceof oauth.AuthorizationResponseError) {
    return new OAuthProviderError({ step, reason: oauthErrorCode(error.error), status: undefined });
  }
  if (error instanceof oauth.UnsupportedOperationError) {
    return new OAuthProviderError({ step, reason: `${endpoint}_response_unsupported`, status: undefined });
  }
  if (error instanceof oauth.OperationProcessingError) {
    return new OAuthProviderError({ step, ...processingFailure(error, endpoint) });
  }
  return error;
}

function networkReason(error: AppError, endpoint: string): string | undefined {
  if (error instanceof OutboundTimeoutError) return `${endpoint}_endpoint_timeout`;
  if (error instanceof UpstreamUnreachableError) return `${endpoint}_endpoint_unreachable`;
  if (error instanceof BlockedAddressError) return `${endpoint}_endpoint_blocked`;
  if (error instanceof ResponseTooLargeError) return `${endpoint}_response_too_large`;
  return undefined;
}

function processingFailure(
  error: oauth.OperationProcessingError,
  endpoint: string,
): { reason: string; status: number | undefined } {
  const cause: unknown = error.cause;
  const status = cause instanceof Response ? cause.status : undefined;
  const attribute = typeof cause === 'object' && cause !== null ? describedAttribute(cause) : undefined;
  switch (error.code) {
    case oauth.RESPONSE_IS_NOT_CONFORM:
      return { reason: `${endpoint}_endpoint_status_${status ?? 'unexpected'}`, status };
    case oauth.RESPONSE_IS_NOT_JSON:
      return { reason: `${endpoint}_response_not_json`, status };
    case oauth.JWT_CLAIM_COMPARISON:
      return { reason: attribute === 'iss' ? 'issuer_mismatch' : 'id_token_invalid', status: undefined };
    case oauth.JSON_ATTRIBUTE_COMPARISON:
      return { reason: attribute === 'issuer' ? 'issuer_mismatch' : `${endpoint}_response_invalid`, status: undefined };
    case oauth.JWT_TIMESTAMP_CHECK:
      return { reason: 'id_token_invalid', status: undefined };
  }
  // oauth4webapi gives these no distinct codes; its messages name what they are about.
  if (/"iss" \(issuer\) response parameter value/.test(error.message)) return { reason: 'issuer_mismatch', status };
  if (/"iss" \(issuer\) missing/.test(error.message)) return { reason: 'issuer_missing', status };
  if (/"state"/.test(error.message)) return { reason: 'state_mismatch', status };
  if (/JWT/.test(error.message)) return { reason: 'id_token_invalid', status };
  if (error.code === oauth.PARSE_ERROR) return { reason: `${endpoint}_response_invalid_json`, status };
  return { reason: `${endpoint}_response_invalid`, status };
}

function describedAttribute(cause: object): unknown {
  if ('claim' in cause) return cause.claim;
  if ('attribute' in cause) return cause.attribute;
  return undefined;
}

/** Provider-supplied text: keep it only when it looks like an RFC 6749 error code. */
export function oauthErrorCode(value: string): string {
  return /^[a-z0-9_.-]{1,64}$/i.test(value) ? value : 'unrecognised_error';
}

const grantNames: Record<OAuthStep, string> = {
  authorization: 'authorization',
  'code exchange': 'authorization code',
  refresh: 'refresh token',
  'client credentials': 'client credentials',
  discovery: 'metadata',
};

/** What the user reads: what went wrong and at which step, then the reason in parentheses. */
export function describeFailure({ step, reason, status }: OAuthFailure): string {
  const said = `(${reason})`;
  const endpoint = step === 'discovery' ? "the provider's metadata endpoint" : "the provider's token endpoint";
  if (/_endpoint_status_/.test(reason)) return `${endpoint} answered HTTP ${status ?? '?'} to the ${step} ${said}`;
  if (reason.endsWith('_response_not_json'))
    return `${endpoint} answered the ${step} with something other than JSON ${said}`;
  if (reason.endsWith('_response_invalid_json')) return `${endpoint} answered the ${step} with malformed JSON ${said}`;
  if (reason.endsWith('_response_invalid') || reason.endsWith('_response_unsupported')) {
    return `${endpoint} answered the ${step} with a response that is not a valid OAuth response ${said}`;
  }
  if (status !== undefined && status >= 500) return `${endpoint} failed with HTTP ${status} during the ${step} ${said}`;
  switch (reason) {
    case 'issuer_mismatch':
      return `the provider's issuer is not the one configured; set auth.issuer to the provider's exact issuer (trailing slash included) or use discovery ${said}`;
    case 'issuer_missing':
      return `the provider's authorization response did not name its issuer ${said}`;
    case 'id_token_invalid':
      return `the provider's ID token was refused ${said}`;
    case 'state_mismatch':
      return `the provider's authorization response does not belong to this attempt ${said}`;
    case 'invalid_scope':
      return `the provider refused the requested scope ${said}`;
    case 'invalid_client':
      return `the provider refused the client credentials (client id, secret or authentication method) ${said}`;
    case 'invalid_grant':
      return `the provider refused the ${grantNames[step]} ${said}`;
    case 'unauthorized_client':
      return `the provider does not allow this client the ${grantNames[step]} grant ${said}`;
    case 'unsupported_grant_type':
      return `the provider does not support the ${grantNames[step]} grant ${said}`;
    case 'invalid_request':
      return `the provider rejected the ${step} request as malformed ${said}`;
    default:
      return `the provider refused the ${step} ${said}`;
  }
}
