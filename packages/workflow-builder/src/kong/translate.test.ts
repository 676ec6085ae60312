import { describe, expect, it } from 'vitest';
import { matchPath, parsePathTemplate, splitRequestPath } from '../domain/public-interfaces/route-path.js';
import { gatewayPrefix, parseGatewayUrl } from '../gateway/gateway-request.js';
import { uuidV5 } from './deterministic-id.js';
import { apiPrefix, kongRoutePath, openApiPath, whoamiPath } from './route-regex.js';
import { fixtureOptions, fixtureRows } from './testing/fixtures.js';
import { expectGolden } from './testing/golden.js';
import { KongConfigError, translate } from './translate.js';

/** How Kong matches a regex path: anchored at the start of the (normalised) request path. */
function kongMatches(kongPath: string, requestPath: string): boolean {
  return new RegExp(`^${kongPath.slice(1)}`).test(requestPath);
}

function backendMatches(routeHash: string, template: string, url: string): boolean {
  const parsed = parsePathTemplate(template);
  const target = parseGatewayUrl(url);
  if (!parsed.ok || !target || target.hash !== routeHash) return false;
  const segments = splitRequestPath(target.rest);
  return segments !== undefined && matchPath(parsed.template, segments) !== undefined;
}

describe('translate', () => {
  it('produces the golden Kong state (DB mode, local policy)', async () => {
    const result = translate(fixtureRows, fixtureOptions);
    await expectGolden('translate-local.json', result);
  });

  it('produces the golden Kong state with the redis policy', async () => {
    const result = translate(fixtureRows.slice(0, 1), {
      ...fixtureOptions,
      upstreamUrl: 'https://api.internal:8443/base/',
      rateLimit: { policy: 'redis', redis: { host: 'redis.internal', port: 6380, password: 'pw', ssl: true } },
    });
    await expectGolden('translate-redis.json', result);
  });

  it('is deterministic and independent of row order', () => {
    const forward = translate(fixtureRows, fixtureOptions);
    const backward = translate([...fixtureRows].reverse(), fixtureOptions);
    expect(backward).toEqual(forward);
  });

  it('leaves disabled interfaces out and reports the ones Kong could not take', () => {
    const { state, rejected } = translate(fixtureRows, fixtureOptions);
    const names = state.routes.map((route) => route.name);
    expect(names).not.toContain('wfb-interface-44444444-4444-4444-8444-444444444444');
    expect(rejected).toEqual([
      { publicInterfaceId: '55555555-5555-4555-8555-555555555555', reason: expect.stringContaining('{order id}') },
    ]);
  });

  it('refuses configurations Kong would refuse as a whole', () => {
    expect(() => translate([], { ...fixtureOptions, mode: 'dbless', rateLimit: { policy: 'cluster' } })).toThrow(
      KongConfigError,
    );
    expect(() => translate([], { ...fixtureOptions, rateLimit: { policy: 'redis' } })).toThrow(/redis.host/);
    expect(() => translate([], { ...fixtureOptions, upstreamUrl: 'ftp://x' })).toThrow(/http or https/);
    expect(() => translate([], { ...fixtureOptions, bodyLimitBytes: 0 })).toThrow(/body limit/);
  });
});

describe('Kong route paths', () => {
  it('uses the gateway prefix of the backend', () => {
    expect(apiPrefix).toBe(gatewayPrefix);
  });

  it('escapes regex metacharacters and names captures', () => {
    expect(kongRoutePath('abcdefgh', '/v1.2/orders/{orderId}')).toEqual({
      ok: true,
      path: '~/api/v1/abcdefgh/v1\\.2/orders/(?<orderId>[^/]+)/?$',
    });
    expect(kongRoutePath('abcdefgh', '/')).toEqual({ ok: true, path: '~/api/v1/abcdefgh/?$' });
    expect(kongRoutePath('ABC', '/')).toMatchObject({ ok: false });
  });

  const cases: [string, string, string[]][] = [
    [
      'abcdefgh',
      '/orders/{orderId}',
      [
        '/api/v1/abcdefgh/orders/42',
        '/api/v1/abcdefgh/orders/42/',
        '/api/v1/abcdefgh/orders/a%2Fb',
        '/api/v1/abcdefgh/orders/',
        '/api/v1/abcdefgh/orders',
        '/api/v1/abcdefgh/orders/42/x',
        '/api/v1/abcdefgh/orders//',
        '/api/v1/abcdefgh/ordersX/42',
        '/api/v1/abcdefghi/orders/42',
        '/api/v1/abcdefgh/orders/42//',
      ],
    ],
    [
      'abcdefgh',
      '/v1.2/x~y',
      ['/api/v1/abcdefgh/v1.2/x~y', '/api/v1/abcdefgh/v1x2/x~y', '/api/v1/abcdefgh/v1.2/x~y/', '/api/v1/abcdefgh/v1.2'],
    ],
    ['abcdefgh', '/', ['/api/v1/abcdefgh', '/api/v1/abcdefgh/', '/api/v1/abcdefgh/x', '/api/v1/abcdefgh//']],
  ];

  it.each(cases)('matches what the backend serves for %s%s', (hash, template, urls) => {
    const path = kongRoutePath(hash, template);
    if (!path.ok) throw new Error(path.reason);
    for (const url of urls) {
      expect({ url, kong: kongMatches(path.path, url) }).toEqual({ url, kong: backendMatches(hash, template, url) });
    }
  });

  it('routes the fixed endpoints exactly', () => {
    expect(kongMatches(whoamiPath, '/api/v1/whoami')).toBe(true);
    expect(kongMatches(whoamiPath, '/api/v1/whoami/')).toBe(false);
    expect(kongMatches(openApiPath, '/api/v1/openapi/shop.json')).toBe(true);
    expect(kongMatches(openApiPath, '/api/v1/openapi/')).toBe(false);
    expect(kongMatches(openApiPath, '/api/v1/openapi/a/b')).toBe(false);
  });
});

describe('deterministic ids', () => {
  it('computes RFC 9562 UUIDv5', () => {
    // The RFC's own example: DNS namespace, "www.example.com".
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe(
      '2ed6657d-e927-568b-95e1-2665a8aea6a2',
    );
  });
});
