import { describe, expect, it } from 'vitest';
import {
  backoffDelayMs,
  DEFAULT_RETRY,
  isRetryableError,
  isRetryableStatus,
  mayRetryMethod,
  parseRetryAfterMs,
  resolveRetryOptions,
} from './retry-policy.js';

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfterMs('0', now)).toBe(0);
    expect(parseRetryAfterMs(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfterMs(['3', '9'], now)).toBe(3_000);
  });

  it('reads HTTP dates, never negative', () => {
    expect(parseRetryAfterMs('Wed, 01 Jan 2025 00:00:05 GMT', now)).toBe(5_000);
    expect(parseRetryAfterMs('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfterMs('Wednesday, 01-Jan-25 00:00:07 GMT', now)).toBe(7_000);
    expect(parseRetryAfterMs('Wed Jan  1 00:00:09 2025', now)).toBe(9_000);
  });

  it('ignores absent or unparsable values', () => {
    for (const value of [
      undefined,
      '',
      '-1',
      '1.5',
      'soon',
      'tomorrow at 5',
      '2025-01-01T00:00:05Z',
      'Wed, 01 Jan 2025 00:00:05 PST',
      [],
    ]) {
      expect(parseRetryAfterMs(value, now)).toBeUndefined();
    }
  });
});

describe('backoffDelayMs', () => {
  const options = resolveRetryOptions({ baseDelayMs: 100, maxDelayMs: 1_000 });

  it('grows exponentially up to the cap with full jitter', () => {
    expect(backoffDelayMs(1, options, () => 0.999)).toBe(99);
    expect(backoffDelayMs(2, options, () => 0.999)).toBe(199);
    expect(backoffDelayMs(3, options, () => 0.5)).toBe(200);
    expect(backoffDelayMs(10, options, () => 0.999)).toBe(999);
    expect(backoffDelayMs(4, options, () => 0)).toBe(0);
  });
});

describe('classification', () => {
  it('retries only transient statuses', () => {
    expect([429, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([200, 400, 401, 404, 500, 501].some(isRetryableStatus)).toBe(false);
  });

  it('retries idempotent methods unless forced', () => {
    expect(mayRetryMethod('GET', DEFAULT_RETRY)).toBe(true);
    expect(mayRetryMethod('PUT', DEFAULT_RETRY)).toBe(true);
    expect(mayRetryMethod('POST', DEFAULT_RETRY)).toBe(false);
    expect(mayRetryMethod('PATCH', DEFAULT_RETRY)).toBe(false);
    expect(mayRetryMethod('POST', { ...DEFAULT_RETRY, retryNonIdempotent: true })).toBe(true);
  });

  it('retries connection-level errors, including wrapped ones', () => {
    expect(isRetryableError(Object.assign(new Error('reset'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableError(new Error('wrapped', { cause: { code: 'UND_ERR_SOCKET' } }))).toBe(true);
    expect(isRetryableError(Object.assign(new Error('nx'), { code: 'ENOTFOUND' }))).toBe(false);
    expect(isRetryableError(new Error('plain'))).toBe(false);
    expect(isRetryableError('string')).toBe(false);
  });

  it('refuses negative settings', () => {
    expect(() => resolveRetryOptions({ maxRetries: -1 })).toThrow(RangeError);
  });
});
