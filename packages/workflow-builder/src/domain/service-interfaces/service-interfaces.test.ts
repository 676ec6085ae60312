import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { callerFor, createTestApp, trpcFailure as failureOf, type TestApp } from '../../../test/test-app.js';
import { withUserTransaction } from '../../db/tx.js';

describe.each(driverKinds)('service interfaces on %s (database)', (kind) => {
  let testApp: TestApp;
  const owner = randomUUID();
  const member = randomUUID();
  const viewer = randomUUID();
  const stranger = randomUUID();
  let projectId: string;
  let serviceId: string;

  beforeAll(async () => {
    testApp = await createTestApp(kind);
    const caller = callerFor(testApp, owner);
    projectId = (await caller.projects.create({ slug: 'interfaces', name: 'Interfaces' })).id;
    await caller.projects.members.add({ projectId, userId: member, role: 'member' });
    await caller.projects.members.add({ projectId, userId: viewer, role: 'viewer' });
    serviceId = (
      await caller.workflows.create({
        projectId,
        name: 'orders',
        workflowType: 'orderWorkflow',
        taskQueue: 'q',
        workflowIdSource: { mode: 'path_param', param: 'orderId' },
      })
    ).id;
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('creates an interface of each type with its schemas, and lists them per service', async () => {
    const caller = callerFor(testApp, member);
    const inputSchema = { type: 'object', required: ['sku'], properties: { sku: { type: 'string' } } };
    const created = [
      await caller.serviceInterfaces.create({
        serviceId,
        name: 'add',
        type: 'signal',
        callableName: 'addItem',
        inputSchema,
      }),
      await caller.serviceInterfaces.create({ serviceId, name: 'read', type: 'query', callableName: 'getOrder' }),
      await caller.serviceInterfaces.create({ serviceId, name: 'approve', type: 'update', callableName: 'approve' }),
      await caller.serviceInterfaces.create({ serviceId, name: 'start', type: 'start', outputSchema: true }),
    ];
    expect(created.map((entry) => [entry.type, entry.callableName])).toEqual([
      ['signal', 'addItem'],
      ['query', 'getOrder'],
      ['update', 'approve'],
      ['start', null],
    ]);
    expect(created[0]).toMatchObject({ serviceId, projectId, inputSchema, outputSchema: null });
    expect(created[3]?.outputSchema).toBe(true);
    const listed = await caller.serviceInterfaces.list({ projectId, serviceId });
    expect(listed.map((entry) => entry.name)).toEqual(['add', 'approve', 'read', 'start']);
  });

  it('refuses a malformed JSON Schema on save with the reason, writing nothing', async () => {
    const caller = callerFor(testApp, owner);
    const invalid = await failureOf(
      caller.serviceInterfaces.create({
        serviceId,
        name: 'broken',
        type: 'signal',
        callableName: 'x',
        inputSchema: { type: 'object', properties: { n: { type: 'numbr' } } },
      }),
    );
    expect(invalid.code).toBe('BAD_REQUEST');
    expect(invalid.message).toContain('inputSchema: not a valid JSON Schema');
    const unresolved = await failureOf(
      caller.serviceInterfaces.create({
        serviceId,
        name: 'broken',
        type: 'query',
        callableName: 'x',
        outputSchema: { $ref: '#/$defs/missing' },
      }),
    );
    expect(unresolved).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('outputSchema') });
    const names = (await caller.serviceInterfaces.list({ projectId })).map((entry) => entry.name);
    expect(names).not.toContain('broken');
  });

  it('enforces callableName rules, unique names and schema updates', async () => {
    const caller = callerFor(testApp, owner);
    const noName = caller.serviceInterfaces.create({ serviceId, name: 'nameless', type: 'signal' });
    expect((await failureOf(noName)).code).toBe('BAD_REQUEST');
    const startWithName = caller.serviceInterfaces.create({ serviceId, name: 's2', type: 'start', callableName: 'x' });
    expect((await failureOf(startWithName)).code).toBe('BAD_REQUEST');
    const first = await caller.serviceInterfaces.create({ serviceId, name: 'dup', type: 'query', callableName: 'a' });
    const again = caller.serviceInterfaces.create({ serviceId, name: 'dup', type: 'query', callableName: 'b' });
    expect((await failureOf(again)).code).toBe('CONFLICT');

    const updated = await caller.serviceInterfaces.update({
      id: first.id,
      inputSchema: { type: 'object' },
      displayName: 'Duplicate',
    });
    expect(updated).toMatchObject({ inputSchema: { type: 'object' }, displayName: 'Duplicate' });
    const cleared = await caller.serviceInterfaces.update({ id: first.id, inputSchema: null });
    expect(cleared.inputSchema).toBeNull();
    expect((await failureOf(caller.serviceInterfaces.update({ id: first.id, inputSchema: [] }))).code).toBe(
      'BAD_REQUEST',
    );
    expect(await caller.serviceInterfaces.delete({ id: first.id })).toEqual({ id: first.id, deleted: true });
  });

  it('refuses a pattern RE2 cannot run, naming where it is', async () => {
    const failure = await failureOf(
      callerFor(testApp, member).serviceInterfaces.create({
        serviceId,
        name: 'backtracking',
        type: 'signal',
        callableName: 'x',
        inputSchema: { type: 'object', properties: { code: { type: 'string', pattern: '^(a)\\1$' } } },
      }),
    );
    expect(failure.code).toBe('BAD_REQUEST');
    expect(failure.message).toContain('inputSchema: the regular expression at /properties/code/pattern');
  });

  it('leaves a published interface to owners and admins: members cannot change its contract or delete it', async () => {
    const asMember = callerFor(testApp, member);
    const inputSchema = { type: 'object', properties: { sku: { type: 'string' }, quantity: { type: 'integer' } } };
    const published = await asMember.serviceInterfaces.create({
      serviceId,
      name: 'published-add',
      type: 'signal',
      callableName: 'addItem',
      inputSchema,
    });
    await callerFor(testApp, owner).publicInterfaces.create({
      serviceInterfaceId: published.id,
      method: 'POST',
      path: '/orders/{orderId}/items',
    });
    for (const change of [
      { callableName: 'cancel' },
      { inputSchema: true },
      { inputSchema: null },
      { outputSchema: { type: 'object' } },
    ]) {
      const refused = await failureOf(asMember.serviceInterfaces.update({ id: published.id, ...change }));
      expect(refused).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('owner or admin') });
    }
    expect((await failureOf(asMember.serviceInterfaces.delete({ id: published.id }))).code).toBe('FORBIDDEN');
    // The same values (in another key order, as jsonb returns them) and presentation are fine.
    const same = { properties: { quantity: { type: 'integer' }, sku: { type: 'string' } }, type: 'object' };
    const described = await asMember.serviceInterfaces.update({
      id: published.id,
      callableName: 'addItem',
      inputSchema: same,
      description: 'Adds an item',
    });
    expect(described.description).toBe('Adds an item');

    const asMemberInSql = (statement: ReturnType<typeof sql>) =>
      withUserTransaction(testApp.database.db, { sub: member, role: 'authenticated' }, (tx) => statement.execute(tx));
    const rawUpdate = sql`update public.service_interfaces set callable_name = 'cancel' where id = ${published.id}`;
    await expect(asMemberInSql(rawUpdate)).rejects.toMatchObject({ code: '42501' });
    const rawDelete = sql`delete from public.service_interfaces where id = ${published.id}`;
    await expect(asMemberInSql(rawDelete)).rejects.toMatchObject({ code: '42501' });
    expect((await callerFor(testApp, owner).serviceInterfaces.get({ id: published.id })).callableName).toBe('addItem');

    const asOwner = callerFor(testApp, owner);
    expect((await asOwner.serviceInterfaces.update({ id: published.id, inputSchema: true })).inputSchema).toBe(true);
    expect((await asOwner.serviceInterfaces.delete({ id: published.id })).deleted).toBe(true);
  });

  it('lets viewers read only and keeps other tenants out (NOT_FOUND)', async () => {
    const existing = await callerFor(testApp, owner).serviceInterfaces.create({
      serviceId,
      name: 'private',
      type: 'query',
      callableName: 'getOrder',
    });
    const asViewer = callerFor(testApp, viewer);
    expect((await asViewer.serviceInterfaces.get({ id: existing.id })).name).toBe('private');
    const viewerCreate = asViewer.serviceInterfaces.create({
      serviceId,
      name: 'viewer-made',
      type: 'query',
      callableName: 'q',
    });
    expect((await failureOf(viewerCreate)).code).toBe('FORBIDDEN');
    const intruder = callerFor(testApp, stranger);
    expect((await failureOf(intruder.serviceInterfaces.get({ id: existing.id }))).code).toBe('NOT_FOUND');
    expect((await failureOf(intruder.serviceInterfaces.list({ projectId }))).code).toBe('NOT_FOUND');
    const foreignCreate = intruder.serviceInterfaces.create({
      serviceId,
      name: 'intruder-made',
      type: 'query',
      callableName: 'q',
    });
    expect((await failureOf(foreignCreate)).code).toBe('NOT_FOUND');
    expect((await failureOf(intruder.serviceInterfaces.delete({ id: existing.id }))).code).toBe('NOT_FOUND');
  });
});
