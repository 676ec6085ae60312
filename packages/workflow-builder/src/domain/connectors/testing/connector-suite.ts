import type { DriverKind } from '../../../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../../../test/test-app.js';
import { type LocalServer, startLocalServer } from '../../../net/testing/local-server.js';
import { connectorEnv, dumpPublicTables } from './fixtures.js';

/**
 * Distinctive secrets the connector API suites plant through the API, then search for in
 * every response, log line, audit row and table dump: any hit is a leak.
 */
export const planted = {
  apiKey: 'PLANTED-api-key-7f3a9c1e5b2d4f60',
  bearer: 'PLANTED-bearer-token-2c4e6a8b0d1f3579',
  password: 'PLANTED-basic-password-91b3d5f7',
  clientSecret: 'PLANTED-client-secret-4d6f8a0c2e4b6d8f',
  rotated: 'PLANTED-rotated-api-key-0a1b2c3d4e5f6a7b',
};
export const allPlanted = Object.values(planted);

export interface ConnectorSuiteOptions {
  slug: string;
  owner: string;
  viewer: string;
}

/**
 * What the connector API suites run against: an app whose test-call budget is low enough
 * to hit (25 a minute), an upstream that echoes the URL it was asked for and answers with
 * the status a `/status/NNN` path names, and a project with an owner and a viewer.
 */
export async function startConnectorSuite(kind: DriverKind, { slug, owner, viewer }: ConnectorSuiteOptions) {
  const testApp: TestApp = await createTestApp(kind, connectorEnv({ CONNECTOR_TEST_RATE_PER_MINUTE: '25' }));
  const upstream: LocalServer = await startLocalServer((request, response) => {
    const status = Number(/\/status\/(\d{3})/.exec(request.url)?.[1] ?? 200);
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ seen: request.url }));
  });
  const caller = callerFor(testApp, owner);
  const projectId = (await caller.projects.create({ slug, name: 'Connectors' })).id;
  await caller.projects.members.add({ projectId, userId: viewer, role: 'viewer' });
  const responses: unknown[] = [];
  return {
    testApp,
    upstream,
    projectId,
    /** Every response the suite kept, for the final secret scan (leakHaystacks). */
    responses,
    /** Keeps a response for the secret scan and returns it. */
    keep<T>(value: T): T {
      responses.push(value);
      return value;
    },
    /** An api-key connector on the upstream's `/v1`, created by the owner; `extra` overrides any field. */
    apiKeyConnector(name: string, extra: Record<string, unknown> = {}) {
      return callerFor(testApp, owner).connectors.create({
        projectId,
        name,
        baseUrl: `${upstream.origin}/v1`,
        auth: { type: 'api_key', placement: 'header', name: 'X-Upstream-Key', apiKey: planted.apiKey },
        defaultHeaders: { 'X-Tenant': 'acme' },
        maxRetries: 0,
        ...extra,
      });
    },
    async close() {
      await upstream.close();
      await testApp.close();
    },
  };
}

export type ConnectorSuite = Awaited<ReturnType<typeof startConnectorSuite>>;

/**
 * Every place a planted secret could leak to after a suite has run, as text: the responses
 * the suite kept (plus a final connector list), the app's logs, the project's audit trail
 * and a dump of every public table.
 */
export async function leakHaystacks(suite: ConnectorSuite, owner: string) {
  const caller = callerFor(suite.testApp, owner);
  const responses = [...suite.responses, await caller.connectors.list({ projectId: suite.projectId })];
  const audit = await caller.audit.list({ projectId: suite.projectId, limit: 200 });
  return {
    responses: JSON.stringify(responses),
    logs: suite.testApp.logs.join('\n'),
    audit: JSON.stringify(audit),
    tables: await dumpPublicTables(suite.testApp.database),
  };
}
