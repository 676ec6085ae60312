import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { callerFor, trpcCode as codeOf, type TestApp, trpcFailure } from '../../../test/test-app.js';
import { createKeyRing } from '../../crypto/key-ring.js';
import { withUserTransaction } from '../../db/tx.js';
import type { LocalServer } from '../../net/testing/local-server.js';
import { createConnectorService } from './connectors.service.js';
import {
  allPlanted,
  type ConnectorSuite,
  leakHaystacks,
  planted,
  startConnectorSuite,
} from './testing/connector-suite.js';
import { expectNoSecrets, oldKey } from './testing/fixtures.js';

describe.each(driverKinds)('connectors on %s (database)', (kind) => {
  let suite: ConnectorSuite;
  let testApp: TestApp;
  let upstream: LocalServer;
  const owner = randomUUID();
  const viewer = randomUUID();
  const stranger = randomUUID();
  let projectId: string;

  beforeAll(async () => {
    suite = await startConnectorSuite(kind, { slug: `conn-${kind}`, owner, viewer });
    ({ testApp, upstream, projectId } = suite);
  });
  afterAll(async () => {
    await suite.close();
  });

  const apiKeyConnector = (name: string, extra: Record<string, unknown> = {}) => suite.apiKeyConnector(name, extra);
  const keep = <T>(value: T): T => suite.keep(value);

  it('creates every connector type; responses show which secrets are set, never their values', async () => {
    const caller = callerFor(testApp, owner);
    const created = keep(await apiKeyConnector('api-key'));
    expect(created.settings?.secrets).toEqual({ apiKey: { set: true, hint: `…${planted.apiKey.slice(-4)}` } });
    expect(created.settings?.auth).toEqual({ type: 'api_key', placement: 'header', name: 'X-Upstream-Key' });
    expect(created.authStatus).toBe('ready');
    const bearer = keep(
      await caller.connectors.create({
        projectId,
        name: 'bearer',
        baseUrl: upstream.origin,
        auth: { type: 'bearer', token: planted.bearer },
      }),
    );
    const basic = keep(
      await caller.connectors.create({
        projectId,
        name: 'basic',
        baseUrl: upstream.origin,
        auth: { type: 'basic', username: 'alice', password: planted.password },
      }),
    );
    expect(basic.settings?.secrets).toEqual({ password: { set: true, hint: null } });
    const cc = keep(
      await caller.connectors.create({
        projectId,
        name: 'cc',
        baseUrl: upstream.origin,
        auth: {
          type: 'oauth2_client_credentials',
          tokenUrl: `${upstream.origin}/token`,
          clientId: 'id',
          clientSecret: planted.clientSecret,
        },
      }),
    );
    expect(cc.settings?.auth).toMatchObject({ clientAuth: 'client_secret_basic', scopes: [] });
    const code = keep(
      await caller.connectors.create({
        projectId,
        name: 'code',
        baseUrl: upstream.origin,
        auth: {
          type: 'oauth2_authorization_code',
          authorizationUrl: `${upstream.origin}/authorize`,
          tokenUrl: `${upstream.origin}/token`,
          clientId: 'id',
          clientSecret: planted.clientSecret,
          scopes: ['read'],
        },
      }),
    );
    expect(code.authStatus).toBe('pending_authorization');
    const listed = keep(await caller.connectors.list({ projectId }));
    expect(listed.map((connector) => connector.name)).toEqual(['api-key', 'basic', 'bearer', 'cc', 'code']);
    expect(JSON.stringify(listed)).not.toContain('settings');
    expect(bearer.type).toBe('bearer');
  });

  it('lets viewers list but not read settings, create, update, test or delete; strangers see nothing', async () => {
    const created = await apiKeyConnector('access');
    const asViewer = callerFor(testApp, viewer);
    expect((await asViewer.connectors.list({ projectId })).map((connector) => connector.id)).toContain(created.id);
    expect((await asViewer.connectors.get({ id: created.id })).settings).toBeNull();
    expect(await codeOf(asViewer.connectors.update({ id: created.id, name: 'x' }))).toBe('FORBIDDEN');
    expect(await codeOf(asViewer.connectors.test({ id: created.id }))).toBe('FORBIDDEN');
    expect(await codeOf(asViewer.connectors.delete({ id: created.id }))).toBe('FORBIDDEN');
    expect(await codeOf(asViewer.connectors.setEnabled({ id: created.id, enabled: false }))).toBe('FORBIDDEN');
    expect(
      await codeOf(
        asViewer.connectors.create({
          projectId,
          name: 'v',
          baseUrl: upstream.origin,
          auth: { type: 'bearer', token: 'x' },
        }),
      ),
    ).toBe('FORBIDDEN');
    // RLS alone hides the sensitive row from a viewer, whatever the service does.
    const rows = await withUserTransaction(testApp.database.db, { sub: viewer }, (tx) =>
      tx.selectFrom('connector_credentials').select('connector_id').execute(),
    );
    expect(rows).toEqual([]);
    const intruder = callerFor(testApp, stranger);
    expect(await codeOf(intruder.connectors.list({ projectId }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.connectors.get({ id: created.id }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.connectors.test({ id: created.id }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.connectors.update({ id: created.id, name: 'mine' }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.connectors.delete({ id: created.id }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.connectors.oauth.start({ id: created.id }))).toBe('NOT_FOUND');
  });

  it('rejects bad input with the field named and writes nothing', async () => {
    const caller = callerFor(testApp, owner);
    const count = async () =>
      Number(
        (await sql<{ n: number }>`select count(*)::int as n from connectors`.execute(testApp.database.db)).rows[0]?.n,
      );
    const before = await count();
    const unknownType = await trpcFailure(
      caller.connectors.create({
        projectId,
        name: 'u',
        baseUrl: upstream.origin,
        auth: { type: 'carrier_pigeon' } as never,
      }),
    );
    expect(unknownType.code).toBe('BAD_REQUEST');
    expect(unknownType.message).toContain('type');
    const missing = await trpcFailure(
      caller.connectors.create({
        projectId,
        name: 'm',
        baseUrl: upstream.origin,
        auth: { type: 'api_key', placement: 'header', name: 'k' } as never,
      }),
    );
    expect(missing.code).toBe('BAD_REQUEST');
    expect(missing.message).toContain('apiKey');
    const oversized = await trpcFailure(
      caller.connectors.create({
        projectId,
        name: 'o',
        baseUrl: upstream.origin,
        auth: { type: 'bearer', token: 'x'.repeat(9000) },
      }),
    );
    expect(oversized.code).toBe('BAD_REQUEST');
    expect(oversized.message).toContain('token');
    const badUrl = await trpcFailure(
      caller.connectors.create({
        projectId,
        name: 'b',
        baseUrl: 'ftp://files.example',
        auth: { type: 'bearer', token: 'x' },
      }),
    );
    expect(badUrl.code).toBe('BAD_REQUEST');
    expect(badUrl.message).toContain('baseUrl');
    await apiKeyConnector('dup');
    expect(await codeOf(apiKeyConnector('dup'))).toBe('CONFLICT');
    expect(await count()).toBe(before + 1);
  });

  it('requires https token URLs outside development', async () => {
    const service = createConnectorService({ ring: createKeyRing(oldKey), allowInsecureHttp: false });
    const user = { id: owner, email: undefined, claims: { sub: owner } };
    const input = {
      projectId,
      name: 'prod-cc',
      baseUrl: 'https://api.example.com',
      auth: {
        type: 'oauth2_client_credentials' as const,
        tokenUrl: 'http://auth.example.com/token',
        clientId: 'id',
        clientSecret: 's',
        scopes: [],
        clientAuth: 'client_secret_basic' as const,
      },
      defaultHeaders: {},
      timeoutMs: 1000,
      maxRetries: 0,
      retryBackoffMs: 0,
      testPath: '/',
      enabled: true,
    };
    const failure = await withUserTransaction(testApp.database.db, { sub: owner }, (tx) =>
      service.create(tx, user, input),
    ).catch((error: unknown) => error);
    expect(failure).toMatchObject({ code: 'BAD_REQUEST', details: { field: 'auth.tokenUrl' } });
    const ok = await withUserTransaction(testApp.database.db, { sub: owner }, (tx) =>
      service.create(tx, user, { ...input, auth: { ...input.auth, tokenUrl: 'https://auth.example.com/token' } }),
    );
    expect(ok.type).toBe('oauth2_client_credentials');
  });

  it('never lets a planted secret reach a response, a log line, an audit row or the stored tables', async () => {
    const haystacks = await leakHaystacks(suite, owner);
    for (const [where, text] of Object.entries(haystacks))
      expect({ where, leaked: expectNoSecrets(text, allPlanted) }).toEqual({ where, leaked: [] });
    expect(haystacks.tables).toContain('connector_credentials');
  });
});
