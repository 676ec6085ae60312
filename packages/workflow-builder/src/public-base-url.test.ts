import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../test/databases.js';
import { callerFor, createTestApp, ordersService, type TestApp } from '../test/test-app.js';
import { publicBaseUrlOf } from './settings.js';

describe('public base URL', () => {
  it('is PUBLIC_BASE_URL without a trailing slash, else http://HOST:PORT with wildcards shown as 127.0.0.1', () => {
    expect(publicBaseUrlOf({ PUBLIC_BASE_URL: 'https://api.example.com/', HOST: '0.0.0.0', PORT: 3000 })).toBe(
      'https://api.example.com',
    );
    expect(publicBaseUrlOf({ PUBLIC_BASE_URL: undefined, HOST: '0.0.0.0', PORT: 3000 })).toBe('http://127.0.0.1:3000');
    expect(publicBaseUrlOf({ PUBLIC_BASE_URL: undefined, HOST: '::', PORT: 8080 })).toBe('http://127.0.0.1:8080');
    expect(publicBaseUrlOf({ PUBLIC_BASE_URL: undefined, HOST: 'api.internal', PORT: 80 })).toBe(
      'http://api.internal:80',
    );
    expect(publicBaseUrlOf({ PUBLIC_BASE_URL: undefined, HOST: '::1', PORT: 3000 })).toBe('http://[::1]:3000');
  });
});

describe.each(driverKinds)('one public base URL with HOST=0.0.0.0 and no PUBLIC_BASE_URL on %s (database)', (kind) => {
  let testApp: TestApp;
  const owner = randomUUID();

  beforeAll(async () => {
    testApp = await createTestApp(kind, { HOST: '0.0.0.0', PORT: '3123' });
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('gives the OAuth redirect_uri and public interface URLs the same origin, never 0.0.0.0', async () => {
    const caller = callerFor(testApp, owner);
    const project = await caller.projects.create({ slug: `base-${kind}`, name: 'Base' });
    const service = await caller.workflows.create(ordersService(project.id));
    const status = await caller.serviceInterfaces.create({
      serviceId: service.id,
      name: 'status',
      type: 'query',
      callableName: 'getStatus',
    });
    const published = await caller.publicInterfaces.create({
      serviceInterfaceId: status.id,
      method: 'GET',
      path: '/orders/{orderId}/status',
    });
    const connector = await caller.connectors.create({
      projectId: project.id,
      name: 'provider',
      baseUrl: 'https://api.provider.example',
      auth: {
        type: 'oauth2_authorization_code',
        authorizationUrl: 'https://auth.provider.example/authorize',
        tokenUrl: 'https://auth.provider.example/token',
        clientId: 'client',
        clientSecret: 'client-secret-value',
        scopes: ['read'],
      },
    });
    const started = await caller.connectors.oauth.start({ id: connector.id });
    const redirectUri = new URL(started.authorizationUrl).searchParams.get('redirect_uri');
    expect(redirectUri).toBe('http://127.0.0.1:3123/oauth/callback');
    expect(new URL(published.url).origin).toBe('http://127.0.0.1:3123');
    expect(testApp.app.publicBaseUrl).toBe('http://127.0.0.1:3123');
  });
});
