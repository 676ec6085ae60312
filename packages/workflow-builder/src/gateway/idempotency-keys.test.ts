import { randomUUID } from 'node:crypto';
import { createLogger } from '@wfb/core/logger.js';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { callerFor, createTestApp, ordersService, type TestApp, trpcFailure } from '../../test/test-app.js';
import { withUserTransaction } from '../db/tx.js';
import { createIdempotencyKeys, type IdempotencyKeys } from './idempotency-keys.js';

/** The durable half of Idempotency-Key: one binding per (interface, key), the same for every instance. */
describe.each(driverKinds)('idempotency keys on %s (database)', (kind) => {
  let testApp: TestApp;
  let keys: IdempotencyKeys;
  let otherInstance: IdempotencyKeys;
  let interfaceId: string;
  const owner = randomUUID();

  beforeAll(async () => {
    testApp = await createTestApp(kind);
    const caller = callerFor(testApp, owner);
    const project = await caller.projects.create({ slug: 'idem', name: 'Idem' });
    const service = await caller.workflows.create(ordersService(project.id));
    const start = await caller.serviceInterfaces.create({ serviceId: service.id, name: 'start', type: 'start' });
    interfaceId = (await caller.publicInterfaces.create({ serviceInterfaceId: start.id, method: 'POST', path: '/o' }))
      .id;
    const logger = createLogger({ level: 'silent' });
    keys = createIdempotencyKeys({ database: testApp.database, logger });
    otherInstance = createIdempotencyKeys({ database: testApp.database, logger });
  });
  afterAll(async () => {
    await testApp.close();
  });

  const outcome = (claim: Promise<void>) =>
    claim.then(
      () => 'ok',
      (error: Error) => error.message,
    );

  it('binds a key to its first request: the same one passes again, another is refused, on any instance', async () => {
    const key = `k-${randomUUID()}`;
    expect(await outcome(keys.claim(interfaceId, key, 'fp-a'))).toBe('ok');
    expect(await outcome(otherInstance.claim(interfaceId, key, 'fp-a'))).toBe('ok');
    expect(await outcome(otherInstance.claim(interfaceId, key, 'fp-b'))).toContain('Idempotency-Key');
    expect(await outcome(keys.claim(interfaceId, key, 'fp-b'))).toContain('already used with a different request');
  });

  it('lets exactly one of many concurrent first uses win', async () => {
    const key = `race-${randomUUID()}`;
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        outcome((index % 2 === 0 ? keys : otherInstance).claim(interfaceId, key, `fp-${index}`)),
      ),
    );
    expect(results.filter((result) => result === 'ok')).toHaveLength(1);
  });

  it('hands an expired key to the next request, and the sweep deletes expired keys', async () => {
    const key = `old-${randomUUID()}`;
    await keys.claim(interfaceId, key, 'fp-old');
    await sql`update idempotency_keys set expires_at = now() - interval '1 second'
      where idempotency_key = ${key}`.execute(testApp.database.db);
    expect(await outcome(keys.claim(interfaceId, key, 'fp-new'))).toBe('ok');
    expect(await outcome(keys.claim(interfaceId, key, 'fp-old'))).toContain('Idempotency-Key');

    const stale = `stale-${randomUUID()}`;
    await keys.claim(interfaceId, stale, 'fp');
    await sql`update idempotency_keys set expires_at = now() - interval '1 second'
      where idempotency_key = ${stale}`.execute(testApp.database.db);
    expect(await keys.sweep()).toBeGreaterThanOrEqual(1);
    const left = await sql<{ key: string }>`select idempotency_key as key from idempotency_keys`.execute(
      testApp.database.db,
    );
    expect(left.rows.map((row) => row.key)).toContain(key);
    expect(left.rows.map((row) => row.key)).not.toContain(stale);
  });

  it('is invisible to users (RLS, no grants) and goes with its interface', async () => {
    const denied = await withUserTransaction(testApp.database.db, { sub: owner }, (tx) =>
      sql`select count(*) from idempotency_keys`.execute(tx),
    ).catch((error: Error) => error.message);
    expect(denied).toMatch(/permission denied/);
    const key = `gone-${randomUUID()}`;
    await keys.claim(interfaceId, key, 'fp');
    expect(await trpcFailure(callerFor(testApp, owner).publicInterfaces.delete({ id: interfaceId }))).toEqual({
      code: 'OK',
      message: '',
    });
    const rows = await sql`select 1 from idempotency_keys where public_interface_id = ${interfaceId}`.execute(
      testApp.database.db,
    );
    expect(rows.rows).toEqual([]);
  });
});
