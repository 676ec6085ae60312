import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { callerFor, trpcCode as codeOf, type TestApp } from '../../../test/test-app.js';
import { DecryptionError } from '../../crypto/errors.js';
import { createKeyRing } from '../../crypto/key-ring.js';
import type { LocalServer } from '../../net/testing/local-server.js';
import { openSecrets } from './connector-secrets.js';
import {
  allPlanted,
  type ConnectorSuite,
  leakHaystacks,
  planted,
  startConnectorSuite,
} from './testing/connector-suite.js';
import { expectNoSecrets, oldKey } from './testing/fixtures.js';

describe.each(driverKinds)('connector calls and updates on %s (database)', (kind) => {
  let suite: ConnectorSuite;
  let testApp: TestApp;
  let upstream: LocalServer;
  const owner = randomUUID();
  const viewer = randomUUID();
  let projectId: string;

  beforeAll(async () => {
    suite = await startConnectorSuite(kind, { slug: `calls-${kind}`, owner, viewer });
    ({ testApp, upstream, projectId } = suite);
  });
  afterAll(async () => {
    await suite.close();
  });

  const apiKeyConnector = (name: string, extra: Record<string, unknown> = {}) => suite.apiKeyConnector(name, extra);
  const keep = <T>(value: T): T => suite.keep(value);

  it('injects each credential type into the outgoing request and records the test result', async () => {
    const caller = callerFor(testApp, owner);
    const viaHeader = await apiKeyConnector('inject-header', { testPath: '/ping?x=1' });
    const result = keep(await caller.connectors.test({ id: viaHeader.id }));
    expect(result).toMatchObject({ ok: true, status: 200, error: null });
    const seen = upstream.requests.at(-1);
    expect(seen?.url).toBe('/v1/ping?x=1');
    expect(seen?.headers['x-upstream-key']).toBe(planted.apiKey);
    expect(seen?.headers['x-tenant']).toBe('acme');
    const viaQuery = await caller.connectors.create({
      projectId,
      name: 'inject-query',
      baseUrl: upstream.origin,
      auth: { type: 'api_key', placement: 'query', name: 'key', apiKey: planted.apiKey },
    });
    await caller.connectors.test({ id: viaQuery.id });
    expect(upstream.requests.at(-1)?.url).toBe(`/?key=${planted.apiKey}`);
    const direct = await testApp.app.services.connectorCalls.callForProject(
      { type: 'system', id: null },
      projectId,
      viaQuery.id,
      {
        path: '/direct',
      },
    );
    expect(direct.url).toBe(`${upstream.origin}/direct?key=redacted`);
    const basic = await caller.connectors.create({
      projectId,
      name: 'inject-basic',
      baseUrl: upstream.origin,
      auth: { type: 'basic', username: 'alice', password: planted.password },
    });
    await caller.connectors.test({ id: basic.id });
    expect(upstream.requests.at(-1)?.headers.authorization).toBe(
      `Basic ${Buffer.from(`alice:${planted.password}`).toString('base64')}`,
    );
    const failing = await apiKeyConnector('inject-fails', { testPath: '/status/503' });
    const failed = keep(await caller.connectors.test({ id: failing.id }));
    expect(failed).toMatchObject({ ok: false, status: 503 });
    const detail = keep(await caller.connectors.get({ id: failing.id }));
    expect(detail.lastTest).toMatchObject({ status: 503, error: 'upstream answered 503' });
    expect(detail.lastTest?.at).toBeInstanceOf(Date);
    expect(detail.lastUsedAt).toBeInstanceOf(Date);
    const audit = await caller.audit.list({ projectId, entityType: 'connector' });
    expect(audit.events.filter((event) => event.action === 'connector.tested').length).toBeGreaterThanOrEqual(4);
  });

  it('updates settings and secrets; a failed update keeps the previous credentials', async () => {
    const caller = callerFor(testApp, owner);
    const created = await apiKeyConnector('updatable');
    await apiKeyConnector('taken');
    // The credentials are replaced before the rename hits the unique name: all of it rolls back.
    expect(
      await codeOf(
        caller.connectors.update({
          id: created.id,
          name: 'taken',
          auth: { type: 'api_key', placement: 'header', name: 'X-Upstream-Key', apiKey: 'WRONG-key-0000000000' },
        }),
      ),
    ).toBe('CONFLICT');
    expect(await codeOf(caller.connectors.update({ id: created.id, auth: { type: 'bearer' } }))).toBe('BAD_REQUEST');
    await caller.connectors.test({ id: created.id });
    expect(upstream.requests.at(-1)?.headers['x-upstream-key']).toBe(planted.apiKey);
    const renamed = keep(await caller.connectors.update({ id: created.id, name: 'updated', timeoutMs: 5000 }));
    expect(renamed).toMatchObject({ name: 'updated', timeoutMs: 5000 });
    const rotated = keep(
      await caller.connectors.update({
        id: created.id,
        auth: { type: 'api_key', placement: 'header', name: 'X-Other-Key', apiKey: planted.rotated },
      }),
    );
    expect(rotated.settings?.secrets.apiKey?.hint).toBe(`…${planted.rotated.slice(-4)}`);
    await caller.connectors.test({ id: created.id });
    expect(upstream.requests.at(-1)?.headers['x-other-key']).toBe(planted.rotated);
    // Changing only the header name keeps the stored secret.
    await caller.connectors.update({ id: created.id, auth: { type: 'api_key', placement: 'header', name: 'X-Third' } });
    await caller.connectors.test({ id: created.id });
    expect(upstream.requests.at(-1)?.headers['x-third']).toBe(planted.rotated);
    const switched = keep(
      await caller.connectors.update({ id: created.id, auth: { type: 'bearer', token: planted.bearer } }),
    );
    expect(switched.type).toBe('bearer');
    await caller.connectors.test({ id: created.id });
    expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${planted.bearer}`);
    const audit = await caller.audit.list({ projectId, entityType: 'connector' });
    const updates = audit.events.filter(
      (event) => event.action === 'connector.updated' && event.entity_id === created.id,
    );
    expect(updates.map((event) => (event.metadata as { secretsChanged: string[] }).secretsChanged)).toEqual(
      expect.arrayContaining([['apiKey'], ['token'], []]),
    );
  });

  it('disables, enables and deletes with audit rows', async () => {
    const caller = callerFor(testApp, owner);
    const created = await apiKeyConnector('lifecycle');
    await caller.connectors.setEnabled({ id: created.id, enabled: false });
    expect(await caller.connectors.test({ id: created.id })).toMatchObject({
      ok: false,
      error: { code: 'PRECONDITION_FAILED' },
    });
    await caller.connectors.setEnabled({ id: created.id, enabled: true });
    expect((await caller.connectors.test({ id: created.id })).ok).toBe(true);
    await caller.connectors.delete({ id: created.id });
    expect(await codeOf(caller.connectors.get({ id: created.id }))).toBe('NOT_FOUND');
    const actions = (await caller.audit.list({ projectId, entityType: 'connector', limit: 200 })).events
      .filter((event) => event.entity_id === created.id)
      .map((event) => event.action);
    expect(actions).toEqual(
      expect.arrayContaining(['connector.created', 'connector.disabled', 'connector.enabled', 'connector.deleted']),
    );
  });

  it('refuses a ciphertext copied to another row', async () => {
    const first = await apiKeyConnector('swap-a');
    const second = await apiKeyConnector('swap-b');
    await sql`update connector_credentials set encrypted_credentials = (select encrypted_credentials from connector_credentials where connector_id = ${first.id})
      where connector_id = ${second.id}`.execute(testApp.database.db);
    const result = await callerFor(testApp, owner).connectors.test({ id: second.id });
    expect(result).toMatchObject({ ok: false, error: { code: 'INTERNAL' } });
    const stored = await testApp.database.db
      .selectFrom('connector_credentials')
      .select('encrypted_credentials')
      .where('connector_id', '=', second.id)
      .executeTakeFirstOrThrow();
    expect(() =>
      openSecrets(createKeyRing(oldKey), { projectId, connectorId: second.id }, stored.encrypted_credentials),
    ).toThrow(DecryptionError);
    expect(
      openSecrets(createKeyRing(oldKey), { projectId, connectorId: first.id }, stored.encrypted_credentials),
    ).toEqual({
      apiKey: planted.apiKey,
    });
    expect((await callerFor(testApp, owner).connectors.test({ id: first.id })).ok).toBe(true);
  });

  it('rate-limits connector tests per user', async () => {
    const caller = callerFor(testApp, owner);
    const created = await apiKeyConnector('limited');
    let code = 'OK';
    for (let attempt = 0; attempt < 30 && code === 'OK'; attempt += 1)
      code = await codeOf(caller.connectors.test({ id: created.id }));
    expect(code).toBe('TOO_MANY_REQUESTS');
    // Another user has their own budget.
    const other = randomUUID();
    await caller.projects.members.add({ projectId, userId: other, role: 'member' });
    expect((await callerFor(testApp, other).connectors.test({ id: created.id })).ok).toBe(true);
  });

  it('never lets a planted secret reach a response, a log line, an audit row or the stored tables', async () => {
    const haystacks = await leakHaystacks(suite, owner);
    for (const [where, text] of Object.entries(haystacks))
      expect({ where, leaked: expectNoSecrets(text, allPlanted) }).toEqual({ where, leaked: [] });
    expect(haystacks.tables).toContain('connector_credentials');
  });
});
