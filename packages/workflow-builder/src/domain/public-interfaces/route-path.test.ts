import { describe, expect, it } from 'vitest';
import { defaultRouteHash, routeHashPattern } from './route-hash.js';
import { matchPath, parsePathTemplate, splitRequestPath } from './route-path.js';

describe('path templates', () => {
  it('parses literals and {parameters} and canonicalises a trailing slash', () => {
    const parsed = parsePathTemplate('/orders/{orderId}/items/');
    expect(parsed).toEqual({
      ok: true,
      template: {
        path: '/orders/{orderId}/items',
        params: ['orderId'],
        segments: [
          { kind: 'literal', value: 'orders' },
          { kind: 'param', name: 'orderId' },
          { kind: 'literal', value: 'items' },
        ],
      },
    });
    expect(parsePathTemplate('/')).toEqual({ ok: true, template: { path: '/', params: [], segments: [] } });
  });

  it.each([
    ['orders', 'must start with "/"'],
    ['/orders//items', 'invalid path segment ""'],
    ['/orders/{id}/{id}', 'appears twice'],
    ['/orders/{1id}', 'invalid path segment "{1id}"'],
    ['/orders/x{id}', 'invalid path segment'],
    ['/ord ers', 'invalid path segment'],
    ['/orders/%20', 'invalid path segment'],
    [`/${'a'.repeat(200)}`, 'at most 200 characters'],
    [`/${Array.from({ length: 17 }, () => 'a').join('/')}`, 'at most 16 segments'],
  ])('refuses %s with a reason', (path, reason) => {
    const parsed = parsePathTemplate(path);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });

  it('matches decoded request segments and captures parameters', () => {
    const parsed = parsePathTemplate('/orders/{orderId}/items');
    if (!parsed.ok) throw new Error(parsed.reason);
    const segments = splitRequestPath('/orders/a%2Fb%20c/items/');
    expect(segments).toEqual(['orders', 'a/b c', 'items']);
    expect(matchPath(parsed.template, segments ?? [])).toEqual({ orderId: 'a/b c' });
    expect(matchPath(parsed.template, ['orders', 'x'])).toBeUndefined();
    expect(matchPath(parsed.template, ['orders', 'x', 'other'])).toBeUndefined();
    expect(matchPath(parsed.template, ['orders', 'x'.repeat(256), 'items'])).toBeUndefined();
    expect(splitRequestPath('/orders//items')).toBeUndefined();
    expect(splitRequestPath('/orders/%E0%A4%A')).toBeUndefined();
    expect(splitRequestPath('')).toEqual([]);
  });
});

describe('route hashes', () => {
  it('are stable, URL-safe and differ per interface and attempt', () => {
    const input = { projectId: 'p', publicInterfaceId: 'i', attempt: 0 };
    const hash = defaultRouteHash(input);
    expect(hash).toMatch(routeHashPattern);
    expect(hash).toHaveLength(16);
    expect(defaultRouteHash(input)).toBe(hash);
    expect(defaultRouteHash({ ...input, attempt: 1 })).not.toBe(hash);
    expect(defaultRouteHash({ ...input, publicInterfaceId: 'j' })).not.toBe(hash);
  });
});
