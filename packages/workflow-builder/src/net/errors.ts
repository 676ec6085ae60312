import { AppError } from '@wfb/core/errors.js';

/**
 * Typed failures of outbound HTTP. Messages name the host (never the full URL, whose
 * query string may carry credentials) and never include headers or bodies.
 */
export class InvalidCidrError extends AppError {
  constructor(message: string) {
    super('INTERNAL', `OUTBOUND_ALLOW_CIDRS: ${message}`);
    this.name = 'InvalidCidrError';
  }
}

export class BlockedAddressError extends AppError {
  constructor(
    readonly host: string,
    readonly category: string,
    readonly address: string,
  ) {
    super(
      'FORBIDDEN',
      `outbound request to ${JSON.stringify(host)} refused: it resolves to a blocked address (${category})`,
      {
        details: { host, category },
      },
    );
    this.name = 'BlockedAddressError';
  }
}

export class OutboundUrlError extends AppError {
  constructor(message: string) {
    super('BAD_REQUEST', message);
    this.name = 'OutboundUrlError';
  }
}

export class OutboundTimeoutError extends AppError {
  constructor(
    readonly host: string,
    readonly timeoutMs: number,
    options: { cause?: unknown } = {},
  ) {
    super('TIMEOUT', `outbound request to ${JSON.stringify(host)} timed out after ${timeoutMs} ms`, {
      ...options,
      details: { host, timeoutMs },
    });
    this.name = 'OutboundTimeoutError';
  }
}

export class ResponseTooLargeError extends AppError {
  constructor(
    readonly host: string,
    readonly maxBytes: number,
  ) {
    super('BAD_GATEWAY', `response from ${JSON.stringify(host)} exceeds the ${maxBytes}-byte limit`, {
      details: { host, maxBytes },
    });
    this.name = 'ResponseTooLargeError';
  }
}

export class TooManyRedirectsError extends AppError {
  constructor(
    readonly host: string,
    readonly maxRedirects: number,
  ) {
    super('BAD_GATEWAY', `outbound request to ${JSON.stringify(host)} exceeded ${maxRedirects} redirects`, {
      details: { host, maxRedirects },
    });
    this.name = 'TooManyRedirectsError';
  }
}
