import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { callerFor, trpcCode as codeOf, createTestApp, type TestApp } from '../../../test/test-app.js';
import { hashApiKey, parseApiKey } from './api-key-format.js';

describe.each(driverKinds)('api keys on %s (database)', (kind) => {
  let testApp: TestApp;
  const owner = randomUUID();
  const stranger = randomUUID();
  let projectId: string;

  beforeAll(async () => {
    testApp = await createTestApp(kind);
    projectId = (await callerFor(testApp, owner).projects.create({ slug: 'keys', name: 'Keys' })).id;
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('returns the plaintext once; lists and gets show only a hint; the database holds only the HMAC', async () => {
    const caller = callerFor(testApp, owner);
    const created = await caller.apiKeys.create({ projectId, name: 'ci', rateLimitPerMinute: 100 });
    expect(parseApiKey(created.plaintext)).toEqual({ ok: true, environment: 'test' });
    expect(created.key.hint).toMatch(/^wfb_test_…[0-9A-Za-z]{4}$/);
    expect(created.plaintext.endsWith(created.key.hint.slice(-4))).toBe(true);
    const listed = JSON.stringify(await caller.apiKeys.list({ projectId }));
    const fetched = JSON.stringify(await caller.apiKeys.get({ id: created.key.id }));
    const digest = hashApiKey('test-pepper-0123456789abcdefghijklmnopqrstuvwxyz', created.plaintext);
    for (const text of [listed, fetched]) {
      expect(text).not.toContain(created.plaintext);
      expect(text).not.toContain(digest);
      expect(text).not.toContain('key_hash');
    }
    const stored = await testApp.database.db
      .selectFrom('api_keys')
      .select('key_hash')
      .where('id', '=', created.key.id)
      .executeTakeFirstOrThrow();
    expect(stored.key_hash).toBe(digest);
  });

  it('updates, revokes and rolls with audit rows written in the same transaction', async () => {
    const caller = callerFor(testApp, owner);
    const created = await caller.apiKeys.create({ projectId, name: 'roller' });
    const renamed = await caller.apiKeys.update({ id: created.key.id, name: 'roller-2', rateLimitPerMinute: 5 });
    expect(renamed).toMatchObject({ name: 'roller-2', rateLimitPerMinute: 5, status: 'active' });

    const rolled = await caller.apiKeys.roll({ id: created.key.id, graceSeconds: 3600 });
    expect(rolled.key).toMatchObject({ name: 'roller-2', rateLimitPerMinute: 5, status: 'active' });
    expect(rolled.previous).toMatchObject({ status: 'rolling', replacedBy: rolled.key.id });
    const graceMs = (rolled.previous.expiresAt?.getTime() ?? 0) - Date.now();
    expect(graceMs).toBeGreaterThan(3500_000);
    expect(graceMs).toBeLessThanOrEqual(3600_000);
    expect(rolled.plaintext).not.toBe(created.plaintext);
    expect(await codeOf(caller.apiKeys.roll({ id: created.key.id }))).toBe('PRECONDITION_FAILED');

    expect(await codeOf(caller.apiKeys.update({ id: created.key.id, expiresAt: null }))).toBe('PRECONDITION_FAILED');
    const revoked = await caller.apiKeys.revoke({ id: rolled.key.id });
    expect(revoked.status).toBe('revoked');
    expect(await codeOf(caller.apiKeys.update({ id: rolled.key.id, name: 'x' }))).toBe('PRECONDITION_FAILED');

    const audit = await caller.audit.list({ projectId, entityType: 'api_key' });
    const actions = audit.events.map((event) => event.action);
    expect(actions).toEqual(
      expect.arrayContaining(['api_key.created', 'api_key.updated', 'api_key.rolled', 'api_key.revoked']),
    );
    expect(JSON.stringify(audit)).not.toContain(created.plaintext);
    expect(JSON.stringify(audit)).not.toContain(rolled.plaintext);
  });

  it('rejects duplicate live names, past expiries and bad input without writing anything', async () => {
    const caller = callerFor(testApp, owner);
    await caller.apiKeys.create({ projectId, name: 'dup' });
    const before = await testApp.database.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(await codeOf(caller.apiKeys.create({ projectId, name: 'dup' }))).toBe('CONFLICT');
    expect(
      await codeOf(caller.apiKeys.create({ projectId, name: 'past', expiresAt: new Date(Date.now() - 1000) })),
    ).toBe('BAD_REQUEST');
    expect(await codeOf(caller.apiKeys.create({ projectId, name: 'rl', rateLimitPerMinute: 0 }))).toBe('BAD_REQUEST');
    expect(await codeOf(caller.apiKeys.create({ projectId, name: '' }))).toBe('BAD_REQUEST');
    expect(await codeOf(caller.apiKeys.get({ id: randomUUID() }))).toBe('NOT_FOUND');
    const after = await testApp.database.db
      .selectFrom('api_keys')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
    const auditRows = await sql<{
      n: number;
    }>`select count(*)::int as n from audit_events where action = 'api_key.created'
      and metadata->>'name' in ('dup', 'past', 'rl')`.execute(testApp.database.db);
    expect(auditRows.rows[0]?.n).toBe(1);
  });

  it('keeps another tenant out of every key procedure (NOT_FOUND)', async () => {
    const created = await callerFor(testApp, owner).apiKeys.create({ projectId, name: 'private' });
    const intruder = callerFor(testApp, stranger);
    const id = created.key.id;
    expect(await codeOf(intruder.apiKeys.list({ projectId }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.apiKeys.get({ id }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.apiKeys.update({ id, name: 'mine' }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.apiKeys.revoke({ id }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.apiKeys.roll({ id }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.apiKeys.create({ projectId, name: 'sneaky' }))).toBe('NOT_FOUND');
    expect((await callerFor(testApp, owner).apiKeys.get({ id })).status).toBe('active');
  });
});
