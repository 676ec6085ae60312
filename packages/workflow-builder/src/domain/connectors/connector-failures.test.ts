import { randomUUID } from 'node:crypto';
import { createLogger } from '@wfb/core/logger.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../../test/test-app.js';
import { createKeyRing } from '../../crypto/key-ring.js';
import { parseEnv } from '../../env.js';
import { startLocalServer } from '../../net/testing/local-server.js';
import { connectorSettingsOf } from '../../settings.js';
import { createConnectorModule } from './connectors.module.js';
import { connectorEnv, oldKey } from './testing/fixtures.js';

const upstreamKey = 'PLANTED-failures-upstream-key-2d4f6a8c0e';

describe.each(driverKinds)('unreachable upstreams on %s (database)', (kind) => {
  let testApp: TestApp;
  const owner = randomUUID();
  let projectId: string;
  let closedPort: number;

  beforeAll(async () => {
    testApp = await createTestApp(kind, connectorEnv());
    projectId = (await callerFor(testApp, owner).projects.create({ slug: `unreach-${kind}`, name: 'Unreachable' })).id;
    const server = await startLocalServer((_request, response) => response.end());
    closedPort = server.port;
    await server.close();
  });
  afterAll(async () => {
    await testApp.close();
  });

  function connector(name: string, baseUrl: string) {
    return callerFor(testApp, owner).connectors.create({
      projectId,
      name,
      baseUrl,
      maxRetries: 0,
      testPath: '/health?token=in-the-query',
      auth: { type: 'api_key', placement: 'query', name: 'key', apiKey: upstreamKey },
    });
  }

  it('records a refused connection as a failed test instead of failing the call', async () => {
    const created = await connector('closed-port', `http://127.0.0.1:${closedPort}/v1`);
    const caller = callerFor(testApp, owner);
    const result = await caller.connectors.test({ id: created.id });
    expect(result).toMatchObject({
      ok: false,
      status: null,
      error: { code: 'BAD_GATEWAY', kind: 'connection_refused' },
    });
    expect(result.error?.message).toContain(`127.0.0.1:${closedPort}`);
    expect(result.error?.message).not.toContain('token=');
    expect(result.error?.message).not.toContain(upstreamKey);
    const detail = await caller.connectors.get({ id: created.id });
    expect(detail.lastTest).toMatchObject({ status: null, error: result.error?.message });
    expect(detail.lastTest?.at).toBeInstanceOf(Date);
    expect(detail.lastTest?.latencyMs).toBeGreaterThanOrEqual(0);
    const audit = (await caller.audit.list({ projectId, entityType: 'connector' })).events.find(
      (event) => event.action === 'connector.tested' && event.entity_id === created.id,
    );
    expect(audit?.metadata).toMatchObject({ ok: false, error: 'BAD_GATEWAY', errorKind: 'connection_refused' });
  });

  it('answers the proxy with a 502 problem naming only the host', async () => {
    const created = await connector('closed-proxy', `http://127.0.0.1:${closedPort}`);
    const key = (await callerFor(testApp, owner).apiKeys.create({ projectId, name: 'proxy' })).plaintext;
    const response = await testApp.app.server.inject({
      method: 'GET',
      url: `/api/proxy/${created.id}/private/path?q=secret-query`,
      headers: { 'x-api-key': key },
    });
    expect(response.statusCode).toBe(502);
    expect(response.headers['content-type']).toContain('application/problem+json');
    const body = response.json();
    expect(body).toMatchObject({ code: 'BAD_GATEWAY', kind: 'connection_refused', host: `127.0.0.1:${closedPort}` });
    for (const leak of ['/private', 'secret-query', upstreamKey]) expect(response.body).not.toContain(leak);
  });

  it('records a name that does not resolve (injected resolver) with kind dns', async () => {
    const module = createConnectorModule({
      settings: connectorSettingsOf(parseEnv({ NODE_ENV: 'test', ...connectorEnv() })),
      logger: createLogger({ level: 'silent' }),
      database: testApp.app.database,
      keyRing: createKeyRing(oldKey),
      resolveHost: async (hostname) => {
        throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
      },
    });
    const created = await connector('no-such-host', 'https://api.no-such-host.example');
    const user = { id: owner, email: undefined, claims: { sub: owner } };
    const result = await module.connectorCalls.test(user, created.id).finally(() => module.connectorRuntime.close());
    expect(result).toMatchObject({ ok: false, status: null, error: { code: 'BAD_GATEWAY', kind: 'dns' } });
    expect(result.error?.message).toContain('api.no-such-host.example');
    const detail = await callerFor(testApp, owner).connectors.get({ id: created.id });
    expect(detail.lastTest?.error).toBe(result.error?.message);
  });
});
