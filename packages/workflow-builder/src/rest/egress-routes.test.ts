import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../test/test-app.js';
import { connectorEnv, dumpPublicTables, expectNoSecrets } from '../domain/connectors/testing/fixtures.js';
import { type LocalServer, startLocalServer } from '../net/testing/local-server.js';
import { egressPath } from './egress-routes.js';

/**
 * The workers' egress over HTTP: workload authentication, binding to the namespace's
 * project, connector resolution by name, credential injection with echo redaction, raw
 * URLs through the same SSRF policy and size cap, usage audit and metrics.
 */
const workerToken = 'test-worker-token-0123456789abcdefghijklmnop';
const canary = 'PLANTED-egress-canary-8d2f4b6a0c1e3a5b';

describe.each(driverKinds)('workers egress route on %s (database)', (kind) => {
  let testApp: TestApp;
  let upstream: LocalServer;
  const owner = randomUUID();
  const stranger = randomUUID();
  const namespace = 'wfb-test-a';

  beforeAll(async () => {
    upstream = await startLocalServer((request, response) => {
      if (request.url.includes('/big')) {
        response.writeHead(200, { 'content-type': 'text/plain' });
        response.end('x'.repeat(4_096));
        return;
      }
      const status = Number(/\/status\/(\d{3})/.exec(request.url)?.[1] ?? 200);
      // Echoes what it was sent, as debugging endpoints do: the injected key must not come back.
      response.writeHead(status, {
        'content-type': 'application/json',
        'x-echo-key': String(request.headers['x-key']),
      });
      response.end(JSON.stringify({ url: request.url, headers: request.headers, body: request.body }));
    });
    testApp = await createTestApp(
      kind,
      connectorEnv({ WORKER_TOKEN: workerToken, EGRESS_MAX_RESPONSE_BYTES: '2048', LOG_LEVEL: 'debug' }),
    );
    const caller = callerFor(testApp, owner);
    const projectId = (
      await caller.projects.create({ slug: `egress-${kind}`, name: 'E', temporalNamespace: namespace })
    ).id;
    const other = (await callerFor(testApp, stranger).projects.create({ slug: `other-${kind}`, name: 'O' })).id;
    const apiKey = { type: 'api_key', placement: 'header', name: 'X-Key', apiKey: canary } as const;
    await caller.connectors.create({ projectId, name: 'echo', baseUrl: `${upstream.origin}/v1`, auth: apiKey });
    const off = await caller.connectors.create({ projectId, name: 'off', baseUrl: upstream.origin, auth: apiKey });
    await caller.connectors.setEnabled({ id: off.id, enabled: false });
    const reauth = await caller.connectors.create({
      projectId,
      name: 'reauth',
      baseUrl: upstream.origin,
      auth: apiKey,
    });
    await sql`update connectors set auth_status = 'needs_reauth' where id = ${reauth.id}`.execute(testApp.database.db);
    await callerFor(testApp, stranger).connectors.create({
      projectId: other,
      name: 'theirs',
      baseUrl: upstream.origin,
      auth: apiKey,
    });
  });
  afterAll(async () => {
    await upstream.close();
    await testApp.close();
  });

  async function egress(body: Record<string, unknown>, token: string | null = workerToken) {
    const response = await testApp.app.server.inject({
      method: 'POST',
      url: egressPath,
      headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) },
      payload: JSON.stringify({ namespace, method: 'GET', ...body }),
    });
    return { status: response.statusCode, json: response.json(), raw: response.body };
  }

  it('refuses a missing or wrong worker token, and the token opens no other route', async () => {
    expect((await egress({ connector: 'echo' }, null)).status).toBe(401);
    const wrong = await egress({ connector: 'echo' }, `${workerToken}x`);
    expect(wrong.status).toBe(401);
    expect(wrong.json).toMatchObject({ code: 'UNAUTHORIZED', retryable: true });
    const trpc = await testApp.trpc(workerToken, 'projects.list', undefined, 'query');
    expect(trpc.status).toBe(401);
    const proxy = await testApp.app.server.inject({
      method: 'GET',
      url: `/api/proxy/${randomUUID()}/x`,
      headers: { authorization: `Bearer ${workerToken}` },
    });
    expect(proxy.statusCode).toBe(401);
  });

  it('calls through a connector named in the namespace project, injecting and then redacting the key', async () => {
    const result = await egress({
      connector: 'echo',
      method: 'POST',
      path: '/items',
      query: { q: 'a b' },
      headers: { 'content-type': 'application/json', authorization: 'Bearer smuggled' },
      body: Buffer.from('{"n":1}').toString('base64'),
    });
    expect(result.status).toBe(200);
    expect(result.json).toMatchObject({ status: 200, attempts: 1, policy: { maxRetries: 2, retryBackoffMs: 200 } });
    const echoed = JSON.parse(Buffer.from(result.json.body, 'base64').toString('utf8'));
    expect(echoed).toMatchObject({ url: '/v1/items?q=a+b', body: '{"n":1}' });
    expect(echoed.headers['x-key']).toBe('[redacted]');
    expect(echoed.headers.authorization).toBeUndefined();
    expect(result.json.headers['x-echo-key']).toBe('[redacted]');
    expect(upstream.requests.at(-1)?.headers['x-key']).toBe(canary);
    expect(result.raw).not.toContain(canary);
  });

  it('passes upstream error statuses through for the activity to classify', async () => {
    const result = await egress({ connector: 'echo', path: '/status/503' });
    expect(result.json).toMatchObject({ status: 503 });
  });

  it('refuses unknown, foreign, disabled and re-authorisation-needing connectors, naming them', async () => {
    for (const [connector, code, status] of [
      ['missing', 'NOT_FOUND', 404],
      ['theirs', 'NOT_FOUND', 404],
      ['off', 'PRECONDITION_FAILED', 412],
      ['reauth', 'PRECONDITION_FAILED', 412],
    ] as const) {
      const result = await egress({ connector });
      expect(result.status).toBe(status);
      expect(result.json).toMatchObject({ code, retryable: false, connector });
      expect(result.json.detail).toContain(`connector "${connector}"`);
    }
  });

  it('refuses a namespace no project owns', async () => {
    const result = await egress({ connector: 'echo', namespace: 'nobody-owns-this' });
    expect(result.status).toBe(403);
    expect(result.json).toMatchObject({ code: 'FORBIDDEN', retryable: false });
  });

  it('sends raw-URL webhooks through the same SSRF policy and size cap', async () => {
    const ok = await egress({
      url: `${upstream.origin}/hook`,
      method: 'POST',
      body: Buffer.from('hi').toString('base64'),
    });
    expect(ok.json).toMatchObject({ status: 200, policy: null });
    const blocked = await egress({ url: 'http://169.254.169.254/latest/meta-data/' });
    expect(blocked.status).toBe(403);
    expect(blocked.json).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    const tooBig = await egress({ url: `${upstream.origin}/big` });
    expect(tooBig.status).toBe(502);
    expect(tooBig.json).toMatchObject({ code: 'BAD_GATEWAY', retryable: false });
    const both = await egress({ url: `${upstream.origin}/x`, connector: 'echo' });
    expect(both.status).toBe(400);
  });

  it('counts calls in /metrics and writes usage audit and last_used_at', async () => {
    const metrics = await testApp.app.server.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.body).toMatch(
      /wfb_outbound_calls_total\{namespace="wfb-test-a",connector="echo",outcome="200"\} \d/,
    );
    expect(metrics.body).toContain('connector="missing",outcome="NOT_FOUND"');
    expect(metrics.body).toContain('wfb_outbound_call_duration_seconds_bucket');
    await testApp.app.services.connectorRuntime.usage.flush(true);
    const audit = await sql<{ action: string; actor_id: string; metadata: { byActor: Record<string, number> } }>`
      select action, actor_id, metadata from audit_events where action in ('connector.used', 'egress.used')`.execute(
      testApp.database.db,
    );
    expect(audit.rows.map((row) => row.action).sort()).toContain('egress.used');
    const used = audit.rows.find((row) => row.action === 'connector.used');
    expect(used?.metadata.byActor).toMatchObject({ 'system:worker': expect.any(Number) });
    const echo = await sql<{
      last_used_at: Date | null;
    }>`select last_used_at from connectors where name = 'echo'`.execute(testApp.database.db);
    expect(echo.rows[0]?.last_used_at).toBeInstanceOf(Date);
  });

  it('leaks the connector secret nowhere: logs, audit rows and tables', async () => {
    const haystack = [testApp.logs.join('\n'), await dumpPublicTables(testApp.database)].join('\n');
    expect(expectNoSecrets(haystack, [canary, workerToken])).toEqual([]);
  });
});
