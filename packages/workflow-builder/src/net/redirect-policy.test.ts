import { describe, expect, it } from 'vitest';
import { BlockedAddressError, OutboundUrlError } from './errors.js';
import { createIpPolicy } from './ip-policy.js';
import { type CredentialNames, type Hop, nextHop } from './redirect-policy.js';

const policy = createIpPolicy();
const credentials: CredentialNames = { headers: new Set(['x-api-key']), queryParams: ['api_key', 'token'] };

function hop(method = 'POST', url = 'https://api.example.com/v1/items?api_key=K'): Hop {
  return {
    url: new URL(url),
    method,
    headers: new Map([
      ['authorization', 'Bearer secret'],
      ['cookie', 'sid=1'],
      ['proxy-authorization', 'Basic abc'],
      ['x-api-key', 'k-123'],
      ['x-trace', 't-1'],
      ['content-type', 'application/json'],
    ]),
    body: '{"a":1}',
  };
}

describe('nextHop', () => {
  it('returns undefined for non-redirects and redirects without a Location', () => {
    expect(nextHop(hop(), 200, '/x', policy, credentials)).toBeUndefined();
    expect(nextHop(hop(), 304, '/x', policy, credentials)).toBeUndefined();
    expect(nextHop(hop(), 302, undefined, policy, credentials)).toBeUndefined();
    expect(nextHop(hop(), 302, '', policy, credentials)).toBeUndefined();
  });

  it.each([
    [303, 'POST', 'GET'],
    [303, 'PUT', 'GET'],
    [303, 'HEAD', 'HEAD'],
    [301, 'POST', 'GET'],
    [302, 'POST', 'GET'],
    [302, 'PUT', 'PUT'],
    [307, 'POST', 'POST'],
    [308, 'POST', 'POST'],
  ])('%i on %s continues as %s', (status, method, expected) => {
    const next = nextHop(hop(method), status, '/next', policy, credentials);
    expect(next?.method).toBe(expected);
    const bodyKept = expected === method;
    expect(next?.body).toBe(bodyKept ? '{"a":1}' : undefined);
    expect(next?.headers.has('content-type')).toBe(bodyKept);
  });

  it('keeps credentials on a same-origin redirect', () => {
    const next = nextHop(hop(), 307, '/v2/items?api_key=K2', policy, credentials);
    expect(next?.url.href).toBe('https://api.example.com/v2/items?api_key=K2');
    expect(next?.headers.get('authorization')).toBe('Bearer secret');
    expect(next?.headers.get('x-api-key')).toBe('k-123');
  });

  it.each([
    'https://evil.example.net/collect?api_key=K&token=T&keep=1',
    'http://api.example.com/v1/items?api_key=K&token=T&keep=1',
    'https://api.example.com:8443/v1/items?api_key=K&token=T&keep=1',
  ])('drops credentials when leaving the origin (%s)', (location) => {
    const next = nextHop(hop(), 307, location, policy, credentials);
    for (const name of ['authorization', 'cookie', 'proxy-authorization', 'x-api-key']) {
      expect(next?.headers.has(name)).toBe(false);
    }
    expect(next?.headers.get('x-trace')).toBe('t-1');
    expect(next?.url.searchParams.get('keep')).toBe('1');
    expect(next?.url.searchParams.has('api_key')).toBe(false);
    expect(next?.url.searchParams.has('token')).toBe(false);
  });

  it('leaves the query untouched when no credential parameter is present', () => {
    const next = nextHop(hop(), 302, 'https://other.example/a?q=a%20b&x=%2F', policy, credentials);
    expect(next?.url.search).toBe('?q=a%20b&x=%2F');
  });

  it('refuses unsupported schemes, embedded credentials and blocked literal IPs', () => {
    expect(() => nextHop(hop(), 302, 'file:///etc/passwd', policy, credentials)).toThrow(OutboundUrlError);
    expect(() => nextHop(hop(), 302, 'gopher://x/', policy, credentials)).toThrow(OutboundUrlError);
    expect(() => nextHop(hop(), 302, 'https://u:p@other.example/', policy, credentials)).toThrow(OutboundUrlError);
    expect(() => nextHop(hop(), 302, 'http://169.254.169.254/latest/meta-data/', policy, credentials)).toThrow(
      BlockedAddressError,
    );
    expect(() => nextHop(hop(), 302, 'http://[::ffff:a9fe:a9fe]/', policy, credentials)).toThrow(BlockedAddressError);
  });

  it('refuses a Location that is not a URL without echoing it', () => {
    const error = (() => {
      try {
        nextHop(hop(), 302, 'http://[bad', policy, credentials);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(OutboundUrlError);
    expect((error as Error).message).not.toContain('[bad');
  });
});
