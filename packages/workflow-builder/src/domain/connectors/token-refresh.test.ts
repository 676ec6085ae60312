import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '@wfb/core/logger.js';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../../test/test-app.js';
import { createKeyRing } from '../../crypto/key-ring.js';
import { parseEnv } from '../../env.js';
import { type LocalServer, startLocalServer } from '../../net/testing/local-server.js';
import { connectorSettingsOf } from '../../settings.js';
import { openSecrets } from './connector-secrets.js';
import { createConnectorModule } from './connectors.module.js';
import { connectorEnv, oldKey } from './testing/fixtures.js';
import { refreshMarginMs } from './token-manager.js';

/**
 * Token refreshes against a token endpoint that answers only when the test lets it, so a
 * refresh is provably in flight while the test looks at the database.
 */
const ring = createKeyRing(oldKey);
const actor = { type: 'system' as const, id: null };

async function until(condition: () => boolean, what: string) {
  for (const started = Date.now(); !condition(); await sleep(5)) {
    if (Date.now() - started > 5000) throw new Error(`timed out waiting for ${what}`);
  }
}

describe('early-refresh margin', () => {
  const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1) + seconds * 1000);
  it('is a tenth of the lifetime, between 5 s and the maximum, never over half the lifetime', () => {
    expect(refreshMarginMs(at(3600), at(0), 60_000)).toBe(60_000);
    expect(refreshMarginMs(at(300), at(0), 60_000)).toBe(30_000);
    expect(refreshMarginMs(at(30), at(0), 60_000)).toBe(5_000);
    expect(refreshMarginMs(at(4), at(0), 60_000)).toBe(2_000);
    expect(refreshMarginMs(at(-60), at(0), 60_000)).toBe(0);
    expect(refreshMarginMs(at(30), null, 60_000)).toBe(60_000);
  });
});

describe.each(driverKinds)('token refresh without a held transaction on %s (database)', (kind) => {
  let testApp: TestApp;
  let server: LocalServer;
  const owner = randomUUID();
  let projectId: string;
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();
  let tokenStatus = 200;
  let expiresIn = 3600;
  let issued = 0;
  const tokenRequests = () => server.requests.filter((request) => request.url === '/token').length;

  function hold() {
    gate = new Promise<void>((resolve) => {
      release = resolve;
    });
  }

  beforeAll(async () => {
    testApp = await createTestApp(kind, connectorEnv());
    server = await startLocalServer((request, response) => {
      if (request.url !== '/token') {
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ authorization: request.headers.authorization }));
        return;
      }
      void gate.then(() => {
        issued += 1;
        response.writeHead(tokenStatus, { 'content-type': 'application/json' });
        response.end(
          tokenStatus === 200
            ? JSON.stringify({ access_token: `access-${issued}`, token_type: 'Bearer', expires_in: expiresIn })
            : JSON.stringify({ error: 'temporarily_unavailable' }),
        );
      });
    });
    projectId = (await callerFor(testApp, owner).projects.create({ slug: `refresh-${kind}`, name: 'Refresh' })).id;
  });
  afterEach(() => {
    release();
    tokenStatus = 200;
    expiresIn = 3600;
  });
  afterAll(async () => {
    release();
    await server.close();
    await testApp.close();
  });

  async function connector(name: string) {
    return callerFor(testApp, owner).connectors.create({
      projectId,
      name,
      baseUrl: server.origin,
      maxRetries: 0,
      auth: {
        type: 'oauth2_client_credentials',
        tokenUrl: `${server.origin}/token`,
        clientId: 'client',
        clientSecret: 'client-secret-for-refresh-tests',
      },
    });
  }

  const call = (connectorId: string) =>
    testApp.app.services.connectorCalls.callForProject(actor, projectId, connectorId, { path: '/api' });

  async function stored(connectorId: string) {
    const row = await sql<{ encrypted_credentials: unknown; leased: boolean }>`
      select encrypted_credentials, refresh_lease_until is not null as leased
      from connector_credentials where connector_id = ${connectorId}`.execute(testApp.database.db);
    const first = row.rows[0];
    if (!first) throw new Error('no credentials row');
    return {
      leased: first.leased,
      secrets: openSecrets(ring, { projectId, connectorId }, first.encrypted_credentials),
    };
  }

  it('keeps the database available while the token endpoint is slow', async () => {
    const created = await connector('slow-provider');
    hold();
    const before = tokenRequests();
    const pending = call(created.id);
    await until(() => tokenRequests() > before, 'the token request');
    const started = performance.now();
    const unrelated = Promise.all([
      sql`select count(*) from projects`.execute(testApp.database.db),
      callerFor(testApp, owner).connectors.list({ projectId }),
      stored(created.id),
    ]);
    const outcome = await Promise.race([unrelated.then(() => 'answered'), sleep(2000).then(() => 'stalled')]);
    expect(outcome).toBe('answered');
    expect(performance.now() - started).toBeLessThan(1000);
    expect((await stored(created.id)).leased).toBe(true);
    release();
    const response = await pending;
    expect(response.status).toBe(200);
    const after = await stored(created.id);
    expect(after.leased).toBe(false);
    expect(JSON.parse(response.body.toString()).authorization).toBe(`Bearer ${after.secrets.accessToken}`);
  });

  it('makes a second instance wait for the lease holder instead of calling the provider', async () => {
    const created = await connector('two-instances');
    const other = createConnectorModule({
      settings: connectorSettingsOf(parseEnv({ NODE_ENV: 'test', ...connectorEnv() })),
      logger: createLogger({ level: 'silent' }),
      database: testApp.app.database,
      keyRing: ring,
    });
    hold();
    const before = tokenRequests();
    const first = call(created.id);
    await until(() => tokenRequests() > before, 'the token request');
    const second = other.connectorCalls.callForProject(actor, projectId, created.id, { path: '/api' });
    await sleep(300);
    expect(tokenRequests() - before).toBe(1);
    release();
    const responses = await Promise.all([first, second]).finally(() => other.connectorRuntime.close());
    expect(responses.map((response) => response.status)).toEqual([200, 200]);
    expect(new Set(responses.map((response) => response.body.toString())).size).toBe(1);
    expect(tokenRequests() - before).toBe(1);
  });

  it('stores the token when the row was only re-encrypted during the refresh (key rotation)', async () => {
    const created = await connector('rotated-meanwhile');
    hold();
    const before = tokenRequests();
    const pending = call(created.id);
    await until(() => tokenRequests() > before, 'the token request');
    await sql`update connector_credentials set credentials_version = credentials_version + 1
      where connector_id = ${created.id}`.execute(testApp.database.db);
    release();
    expect((await pending).status).toBe(200);
    const after = await stored(created.id);
    expect(after.secrets.accessToken).toMatch(/^access-\d+$/);
    expect((await call(created.id)).status).toBe(200);
    expect(tokenRequests() - before).toBe(1);
  });

  it('does not store a token obtained with settings that changed during the refresh', async () => {
    const created = await connector('edited-meanwhile');
    hold();
    const before = tokenRequests();
    const pending = call(created.id);
    await until(() => tokenRequests() > before, 'the token request');
    await callerFor(testApp, owner).connectors.update({
      id: created.id,
      auth: {
        type: 'oauth2_client_credentials',
        tokenUrl: `${server.origin}/token`,
        clientId: 'client',
        clientSecret: 'a-different-client-secret',
        scopes: [],
        clientAuth: 'client_secret_basic',
      },
    });
    release();
    expect((await pending).status).toBe(200);
    expect(Object.keys((await stored(created.id)).secrets)).toEqual(['clientSecret']);
  });

  it('frees the lease when the refresh fails, so the next call tries again', async () => {
    const created = await connector('failing-provider');
    tokenStatus = 400;
    const before = tokenRequests();
    await expect(call(created.id)).rejects.toMatchObject({ code: 'BAD_GATEWAY' });
    expect((await stored(created.id)).leased).toBe(false);
    tokenStatus = 200;
    expect((await call(created.id)).status).toBe(200);
    expect(tokenRequests() - before).toBe(2);
  });

  it('reuses a token that lives 30 seconds instead of refreshing it on every call', async () => {
    const created = await connector('short-lived');
    expiresIn = 30;
    const before = tokenRequests();
    for (let index = 0; index < 3; index += 1) expect((await call(created.id)).status).toBe(200);
    expect(tokenRequests() - before).toBe(1);
  });
});
