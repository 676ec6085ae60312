import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../../test/test-app.js';
import { type LocalServer, startLocalServer } from '../../net/testing/local-server.js';
import { connectorEnv, dumpPublicTables, expectNoSecrets } from './testing/fixtures.js';

const upstreamKey = 'PLANTED-proxy-upstream-key-5e7c9a1b3d5f7a9c';

describe.each(driverKinds)('connector proxy on %s (database)', (kind) => {
  let testApp: TestApp;
  let strictApp: TestApp;
  let upstream: LocalServer;
  let elsewhere: LocalServer;
  const owner = randomUUID();
  const viewer = randomUUID();
  const stranger = randomUUID();
  let projectId: string;
  let connectorId: string;
  let projectKey: string;
  let otherProjectKey: string;
  const bodies: string[] = [];
  let flaky = 0;

  beforeAll(async () => {
    elsewhere = await startLocalServer((_request, response) => response.end('elsewhere'));
    upstream = await startLocalServer((request, response) => {
      if (request.url.includes('/redirect-metadata')) {
        response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
        return;
      }
      if (request.url.includes('/redirect-away')) {
        response.writeHead(307, { location: `${elsewhere.origin}/landing` }).end();
        return;
      }
      if (request.url.includes('/flaky') && flaky++ === 0) {
        response.writeHead(503, { 'retry-after': '0' }).end();
        return;
      }
      response.writeHead(201, { 'content-type': 'application/json', 'set-cookie': 'upstream=1', 'x-upstream': 'yes' });
      response.end(JSON.stringify({ method: request.method, url: request.url, body: request.body }));
    });
    testApp = await createTestApp(kind, connectorEnv());
    strictApp = await createTestApp(kind, connectorEnv({ OUTBOUND_ALLOW_CIDRS: '' }));
    const caller = callerFor(testApp, owner);
    projectId = (await caller.projects.create({ slug: `proxy-${kind}`, name: 'Proxy' })).id;
    await caller.projects.members.add({ projectId, userId: viewer, role: 'viewer' });
    const otherProject = (await callerFor(testApp, stranger).projects.create({ slug: `other-${kind}`, name: 'Other' }))
      .id;
    connectorId = (
      await caller.connectors.create({
        projectId,
        name: 'upstream',
        baseUrl: `${upstream.origin}/v1`,
        auth: { type: 'api_key', placement: 'header', name: 'X-Upstream-Key', apiKey: upstreamKey },
        retryBackoffMs: 1,
      })
    ).id;
    projectKey = (await caller.apiKeys.create({ projectId, name: 'proxy' })).plaintext;
    otherProjectKey = (await callerFor(testApp, stranger).apiKeys.create({ projectId: otherProject, name: 'other' }))
      .plaintext;
  });
  afterAll(async () => {
    await Promise.all([upstream.close(), elsewhere.close()]);
    await testApp.close();
    await strictApp.close();
  });

  async function proxy(
    app: TestApp,
    url: string,
    headers: Record<string, string>,
    method: 'GET' | 'POST' = 'GET',
    payload?: string,
  ) {
    const response = await app.app.server.inject({ method, url, headers, ...(payload !== undefined && { payload }) });
    bodies.push(response.body);
    return response;
  }

  it('forwards method, path, query, body and safe headers with the credential injected; the caller key never leaves', async () => {
    const response = await proxy(
      testApp,
      `/api/proxy/${connectorId}/items/42?expand=true`,
      { 'x-api-key': projectKey, 'content-type': 'application/json', 'x-trace': 'abc', cookie: 'session=1' },
      'POST',
      JSON.stringify({ hello: 'world' }),
    );
    expect(response.statusCode).toBe(201);
    expect(response.json()).toEqual({ method: 'POST', url: '/v1/items/42?expand=true', body: '{"hello":"world"}' });
    expect(response.headers['x-upstream']).toBe('yes');
    expect(response.headers['set-cookie']).toBeUndefined();
    const seen = upstream.requests.at(-1);
    expect(seen?.headers).toMatchObject({
      'x-upstream-key': upstreamKey,
      'x-trace': 'abc',
      'content-type': 'application/json',
    });
    expect(seen?.headers['x-api-key']).toBeUndefined();
    expect(seen?.headers.cookie).toBeUndefined();
    expect(seen?.headers.authorization).toBeUndefined();
  });

  it('accepts a member JWT; refuses viewers, strangers, other projects, bad keys and no credentials', async () => {
    const member = await proxy(testApp, `/api/proxy/${connectorId}`, {
      authorization: `Bearer ${await testApp.token(owner)}`,
    });
    expect(member.statusCode).toBe(201);
    expect(upstream.requests.at(-1)?.headers.authorization).toBeUndefined();
    const asViewer = await proxy(testApp, `/api/proxy/${connectorId}/x`, {
      authorization: `Bearer ${await testApp.token(viewer)}`,
    });
    expect(asViewer.statusCode).toBe(403);
    const asStranger = await proxy(testApp, `/api/proxy/${connectorId}/x`, {
      authorization: `Bearer ${await testApp.token(stranger)}`,
    });
    expect(asStranger.statusCode).toBe(404);
    expect((await proxy(testApp, `/api/proxy/${connectorId}/x`, { 'x-api-key': otherProjectKey })).statusCode).toBe(
      404,
    );
    expect((await proxy(testApp, `/api/proxy/${connectorId}/x`, { 'x-api-key': 'wfb_test_nonsense' })).statusCode).toBe(
      401,
    );
    expect((await proxy(testApp, `/api/proxy/${connectorId}/x`, {})).statusCode).toBe(401);
    expect((await proxy(testApp, '/api/proxy/not-a-uuid/x', { 'x-api-key': projectKey })).statusCode).toBe(404);
    expect((await proxy(testApp, `/api/proxy/${randomUUID()}/x`, { 'x-api-key': projectKey })).statusCode).toBe(404);
  });

  it('keeps paths inside the base URL and retries a 503 honouring Retry-After', async () => {
    const before = upstream.requests.length;
    // The HTTP layer may normalise the dots away before routing; either way nothing leaves.
    const escaped = await proxy(testApp, `/api/proxy/${connectorId}/%2e%2e/%2e%2e/admin`, { 'x-api-key': projectKey });
    expect([400, 404]).toContain(escaped.statusCode);
    expect(upstream.requests.length).toBe(before);
    const retried = await proxy(testApp, `/api/proxy/${connectorId}/flaky`, { 'x-api-key': projectKey });
    expect(retried.statusCode).toBe(201);
    expect(upstream.requests.length - before).toBe(2);
  });

  it('refuses SSRF targets: literal private IPs, names resolving to loopback, redirects to the metadata address', async () => {
    const caller = callerFor(strictApp, owner);
    const project = (await caller.projects.create({ slug: `ssrf-${kind}`, name: 'SSRF' })).id;
    const key = (await caller.apiKeys.create({ projectId: project, name: 'ssrf' })).plaintext;
    const targets = {
      loopbackLiteral: upstream.origin,
      privateLiteral: 'http://10.0.0.7:8080',
      metadataLiteral: 'http://169.254.169.254',
      mappedLoopback: `http://[::ffff:127.0.0.1]:${upstream.port}`,
      localhostName: `http://localhost:${upstream.port}`,
    };
    for (const [name, baseUrl] of Object.entries(targets)) {
      const id = (
        await caller.connectors.create({
          projectId: project,
          name,
          baseUrl,
          maxRetries: 0,
          auth: { type: 'bearer', token: upstreamKey },
        })
      ).id;
      const before = upstream.requests.length;
      const response = await proxy(strictApp, `/api/proxy/${id}/`, { 'x-api-key': key });
      expect({ name, status: response.statusCode, code: response.json().code }).toEqual({
        name,
        status: 403,
        code: 'FORBIDDEN',
      });
      expect(upstream.requests.length).toBe(before);
      expect((await caller.connectors.test({ id })).error?.code).toBe('FORBIDDEN');
    }
    const redirected = await proxy(testApp, `/api/proxy/${connectorId}/redirect-metadata`, { 'x-api-key': projectKey });
    expect(redirected.statusCode).toBe(403);
    expect(redirected.json().detail).toContain('169.254.169.254');
  });

  it('drops the credential when a redirect leaves the origin', async () => {
    const response = await proxy(testApp, `/api/proxy/${connectorId}/redirect-away`, { 'x-api-key': projectKey });
    expect(response.statusCode).toBe(200);
    expect(response.body).toBe('elsewhere');
    expect(elsewhere.requests.at(-1)?.headers['x-upstream-key']).toBeUndefined();
  });

  it('audits credential use per connector per minute and records last use', async () => {
    const runtime = testApp.app.services.connectorRuntime;
    await runtime.usage.flush(true);
    for (let index = 0; index < 3; index += 1)
      await proxy(testApp, `/api/proxy/${connectorId}/count`, { 'x-api-key': projectKey });
    await proxy(testApp, `/api/proxy/${connectorId}/count`, { authorization: `Bearer ${await testApp.token(owner)}` });
    expect(await runtime.usage.flush(true)).toBe(1);
    const events = (await callerFor(testApp, owner).audit.list({ projectId, entityType: 'connector' })).events.filter(
      (event) => event.action === 'connector.used',
    );
    const latest = events[0]?.metadata as {
      calls: number;
      byActor: Record<string, number>;
      byOutcome: Record<string, number>;
    };
    expect(latest.calls).toBe(4);
    expect(latest.byOutcome).toEqual({ '201': 4 });
    expect(Object.values(latest.byActor).sort()).toEqual([1, 3]);
    expect(Object.keys(latest.byActor)).toEqual(expect.arrayContaining([`user:${owner}`]));
    const detail = await callerFor(testApp, owner).connectors.get({ id: connectorId });
    expect(detail.lastUsedAt).toBeInstanceOf(Date);
  });

  it('never lets the upstream secret reach a proxy response, log line, audit row or the stored tables', async () => {
    const audit = await callerFor(testApp, owner).audit.list({ projectId, limit: 200 });
    const haystacks = {
      responses: bodies.join('\n'),
      logs: [...testApp.logs, ...strictApp.logs].join('\n'),
      audit: JSON.stringify(audit),
      tables: (await dumpPublicTables(testApp.database)) + (await dumpPublicTables(strictApp.database)),
    };
    for (const [where, text] of Object.entries(haystacks)) {
      expect({ where, leaked: expectNoSecrets(text, [upstreamKey, projectKey]) }).toEqual({ where, leaked: [] });
    }
  });
});
