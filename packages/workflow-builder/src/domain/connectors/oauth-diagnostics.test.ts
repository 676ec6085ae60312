import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../../test/test-app.js';
import { type LocalServer, startLocalServer } from '../../net/testing/local-server.js';
import { connectorEnv, dumpPublicTables, expectNoSecrets } from './testing/fixtures.js';

/**
 * Failed callbacks and refreshes against a token endpoint that misbehaves on cue (HTTP
 * 500, an HTML page, truncated JSON, an ID token from another issuer, a refused scope):
 * each must leave one warn line, an audit row and a user-visible error that say which,
 * and none of them may carry the code, a token or the client secret.
 */
const resultUrl = 'http://ui.test/oauth/result';
const clientSecret = 'PLANTED-diagnostics-client-secret-0123456789';
const issuedAccess = 'PLANTED-diagnostics-access-token-0123456789';
const issuedRefresh = 'PLANTED-diagnostics-refresh-token-0123456789';

type Script = (response: ServerResponse) => void;

const json =
  (status: number, body: unknown): Script =>
  (response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
const html =
  (status: number): Script =>
  (response) => {
    response.writeHead(status, { 'content-type': 'text/html' });
    response.end('<html><body>Something went wrong</body></html>');
  };
const truncated: Script = (response) => {
  response.writeHead(200, { 'content-type': 'application/json' });
  response.end(`{"access_token":"${issuedAccess}","token_type":"Bea`);
};
const granted = json(200, {
  access_token: issuedAccess,
  refresh_token: issuedRefresh,
  token_type: 'Bearer',
  expires_in: 3600,
});

function idToken(claims: Record<string, unknown>): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.${Buffer.from('signature').toString('base64url')}`;
}

interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

describe.each(driverKinds)('diagnosing failed OAuth exchanges on %s (database)', (kind) => {
  let testApp: TestApp;
  let server: LocalServer;
  let script: Script = granted;
  const owner = randomUUID();
  let projectId: string;
  const codes: string[] = [];
  const responses: unknown[] = [];

  beforeAll(async () => {
    testApp = await createTestApp(kind, connectorEnv({ OAUTH_RESULT_URL: resultUrl }));
    server = await startLocalServer((request, response) => {
      if (request.url === '/token') return script(response);
      json(200, { ok: true })(response);
    });
    projectId = (await callerFor(testApp, owner).projects.create({ slug: `diag-${kind}`, name: 'Diagnostics' })).id;
  });
  afterAll(async () => {
    await server.close();
    await testApp.close();
  });

  const warnings = (message: string): LogLine[] =>
    testApp.logs.map((line) => JSON.parse(line) as LogLine).filter((line) => line.level === 40 && line.msg === message);

  async function codeConnector(name: string, extra: Record<string, unknown> = {}) {
    return callerFor(testApp, owner).connectors.create({
      projectId,
      name,
      baseUrl: `${server.origin}/api`,
      maxRetries: 0,
      auth: {
        type: 'oauth2_authorization_code',
        authorizationUrl: `${server.origin}/auth`,
        tokenUrl: `${server.origin}/token`,
        clientId: 'diagnostics-client',
        clientSecret,
        scopes: ['api:read'],
        ...extra,
      },
    });
  }

  /** The browser's round trip, without a browser: the provider "redirects back" with a code. */
  async function callback(connectorId: string) {
    const started = await callerFor(testApp, owner).connectors.oauth.start({ id: connectorId });
    const state = new URL(started.authorizationUrl).searchParams.get('state') ?? '';
    const code = `PLANTED-code-${randomUUID()}`;
    codes.push(code);
    const response = await testApp.app.server.inject({
      method: 'GET',
      url: `/oauth/callback?${new URLSearchParams({ code, state })}`,
    });
    responses.push(response.body, response.headers.location);
    return Object.fromEntries(new URL(String(response.headers.location)).searchParams);
  }

  async function failureAudits(connectorId: string) {
    const events = (await callerFor(testApp, owner).audit.list({ projectId, entityType: 'connector', limit: 200 }))
      .events;
    responses.push(events);
    return events
      .filter((event) => event.action === 'connector.oauth_failed' && event.entity_id === connectorId)
      .map((event) => {
        // A system event on behalf of the user who started the flow.
        const { userId, ...rest } = event.metadata as Record<string, unknown>;
        expect(userId).toBe(owner);
        return rest;
      });
  }

  it.each([
    ['an HTTP 500 page', html(500), 'token_endpoint_status_500', 500],
    ['an HTML page with 200', html(200), 'token_response_not_json', 200],
    ['truncated JSON', truncated, 'token_response_invalid_json', undefined],
    ['a refused scope', json(400, { error: 'invalid_scope' }), 'invalid_scope', 400],
  ])('names %s in the log line, the audit row and the result', async (_what, answer, reason, status) => {
    const connector = await codeConnector(`callback-${reason}`);
    script = answer;
    const before = warnings('oauth callback failed').length;
    const result = await callback(connector.id);
    script = granted;
    expect(result).toEqual({ status: 'error', connectorId: connector.id, error: 'token_exchange_failed', reason });
    const lines = warnings('oauth callback failed').slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ connectorId: connector.id, outcome: 'token_exchange_failed', reason });
    expect(lines[0]?.providerStatus).toBe(status);
    expect(await failureAudits(connector.id)).toEqual([
      { reason: `token:${reason}`, ...(status !== undefined && { providerStatus: status }) },
    ]);
  });

  it('says issuer_mismatch when the ID token comes from a differently spelled issuer', async () => {
    const connector = await codeConnector('callback-issuer', { scopes: ['openid'], issuer: server.origin });
    const now = Math.floor(Date.now() / 1000);
    script = json(200, {
      access_token: issuedAccess,
      token_type: 'Bearer',
      expires_in: 3600,
      id_token: idToken({
        iss: `${server.origin}/`,
        sub: 'user-1',
        aud: 'diagnostics-client',
        iat: now,
        exp: now + 300,
      }),
    });
    const result = await callback(connector.id);
    script = granted;
    expect(result).toMatchObject({ error: 'token_exchange_failed', reason: 'issuer_mismatch' });
    expect(warnings('oauth callback failed').at(-1)).toMatchObject({ reason: 'issuer_mismatch' });
    expect(await failureAudits(connector.id)).toEqual([{ reason: 'token:issuer_mismatch' }]);
  });

  it('logs a failed refresh once and tells the caller the token endpoint answered 500', async () => {
    const connector = await codeConnector('refresh-500');
    expect(await callback(connector.id)).toMatchObject({ status: 'success' });
    await testApp.database.db
      .updateTable('connector_credentials')
      .set({ token_expires_at: new Date(Date.now() - 60_000) })
      .where('connector_id', '=', connector.id)
      .execute();
    script = html(500);
    const before = warnings('connector token request failed').length;
    const tested = await callerFor(testApp, owner).connectors.test({ id: connector.id });
    script = granted;
    responses.push(tested);
    expect(tested).toMatchObject({ ok: false, error: { code: 'BAD_GATEWAY' } });
    expect(tested.error?.message).toContain('HTTP 500');
    expect(tested.error?.message).toContain('token_endpoint_status_500');
    const lines = warnings('connector token request failed').slice(before);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      connectorId: connector.id,
      grant: 'refresh_token',
      reason: 'token_endpoint_status_500',
      providerStatus: 500,
    });
  });

  it('reports a refused scope as the scope, not as refused client credentials', async () => {
    const connector = await callerFor(testApp, owner).connectors.create({
      projectId,
      name: 'client-credentials-scope',
      baseUrl: `${server.origin}/api`,
      maxRetries: 0,
      auth: {
        type: 'oauth2_client_credentials',
        tokenUrl: `${server.origin}/token`,
        clientId: 'diagnostics-client',
        clientSecret,
        scopes: ['admin:everything'],
      },
    });
    script = json(400, { error: 'invalid_scope', error_description: 'no' });
    const tested = await callerFor(testApp, owner).connectors.test({ id: connector.id });
    script = granted;
    responses.push(tested);
    expect(tested.error?.message).toContain('the provider refused the requested scope (invalid_scope)');
    expect(tested.error?.message).not.toContain('client credentials');
  });

  it('keeps codes, tokens and the client secret out of responses, logs, audit rows and tables', async () => {
    const secrets = [clientSecret, issuedAccess, issuedRefresh, ...codes];
    expect(codes.length).toBeGreaterThan(4);
    const haystacks = {
      responses: JSON.stringify(responses),
      logs: testApp.logs.join('\n'),
      tables: await dumpPublicTables(testApp.database),
    };
    for (const [where, text] of Object.entries(haystacks)) {
      expect({ where, leaked: expectNoSecrets(text, secrets) }).toEqual({ where, leaked: [] });
    }
  });
});
