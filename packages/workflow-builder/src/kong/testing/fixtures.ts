import type { PublicInterfaceInput, TranslateOptions } from '../translate.js';

/** Test data shared by the translate, plan and declarative-config tests. */
export const projectA = '0b6c3c52-4d0e-4d55-9a53-1f0b7f1d2a01';
export const projectB = '6a2f4e11-93c5-4f0c-b0a8-7e9d2c3b4a02';

export const fixtureRows: PublicInterfaceInput[] = [
  {
    publicInterfaceId: '11111111-1111-4111-8111-111111111111',
    projectId: projectA,
    routeHash: 'k3x9a0b2c4d6e8f1',
    method: 'GET',
    path: '/orders/{orderId}',
    rateLimitPerMinute: 120,
    enabled: true,
  },
  {
    publicInterfaceId: '22222222-2222-4222-8222-222222222222',
    projectId: projectA,
    routeHash: 'm0n1p2q3r4s5t6u7',
    method: 'POST',
    path: '/',
    rateLimitPerMinute: null,
    enabled: true,
  },
  {
    publicInterfaceId: '33333333-3333-4333-8333-333333333333',
    projectId: projectB,
    routeHash: 'z9y8x7w6v5u4t3s2',
    method: 'PUT',
    path: '/v1.2/items~x/{itemIdentifierThatIsLongerThanThirtyTwoChars}',
    rateLimitPerMinute: 10,
    enabled: true,
  },
  {
    publicInterfaceId: '44444444-4444-4444-8444-444444444444',
    projectId: projectB,
    routeHash: 'a1b2c3d4e5f6g7h8',
    method: 'DELETE',
    path: '/orders/{orderId}',
    rateLimitPerMinute: 5,
    enabled: false,
  },
  {
    publicInterfaceId: '55555555-5555-4555-8555-555555555555',
    projectId: projectB,
    routeHash: 'b1b2c3d4e5f6g7h8',
    method: 'POST',
    path: '/orders/{order id}',
    rateLimitPerMinute: null,
    enabled: true,
  },
];

export const fixtureOptions: TranslateOptions = {
  upstreamUrl: 'http://builder:3000',
  bodyLimitBytes: 1_048_576,
  rateLimit: { policy: 'local' },
};
