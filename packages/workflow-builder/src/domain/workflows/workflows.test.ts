import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import {
  callerFor,
  trpcCode as codeOf,
  createTestApp,
  trpcFailure as failureOf,
  type TestApp,
} from '../../../test/test-app.js';
import { withUserTransaction } from '../../db/tx.js';

const orders = {
  name: 'orders',
  workflowType: 'orderWorkflow',
  taskQueue: 'orders-queue',
  workflowIdSource: { mode: 'path_param' as const, param: 'orderId' },
};

describe.each(driverKinds)('services (workflows) on %s (database)', (kind) => {
  let testApp: TestApp;
  const owner = randomUUID();
  const viewer = randomUUID();
  const member = randomUUID();
  const admin = randomUUID();
  const stranger = randomUUID();
  let projectId: string;

  beforeAll(async () => {
    testApp = await createTestApp(kind);
    projectId = (await callerFor(testApp, owner).projects.create({ slug: 'services', name: 'Services' })).id;
    await callerFor(testApp, owner).projects.members.add({ projectId, userId: viewer, role: 'viewer' });
    await callerFor(testApp, owner).projects.members.add({ projectId, userId: member, role: 'member' });
    await callerFor(testApp, owner).projects.members.add({ projectId, userId: admin, role: 'admin' });
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('creates, lists, gets, updates and deletes a service, auditing each change', async () => {
    const caller = callerFor(testApp, owner);
    const created = await caller.workflows.create({ projectId, ...orders, description: 'Order entities' });
    expect(created).toMatchObject({
      projectId,
      name: 'orders',
      displayName: 'orders',
      workflowType: 'orderWorkflow',
      taskQueue: 'orders-queue',
      workflowIdSource: { mode: 'path_param', param: 'orderId' },
    });
    expect((await caller.workflows.list({ projectId })).map((service) => service.id)).toEqual([created.id]);
    const updated = await caller.workflows.update({
      id: created.id,
      displayName: 'Orders',
      taskQueue: 'other-queue',
      workflowIdSource: { mode: 'fixed', workflowId: 'the-order' },
    });
    expect(updated).toMatchObject({
      displayName: 'Orders',
      workflowIdSource: { mode: 'fixed', workflowId: 'the-order' },
    });
    expect(await caller.workflows.get({ id: created.id })).toEqual(updated);
    expect(await caller.workflows.delete({ id: created.id })).toEqual({ id: created.id, deleted: true });
    expect(await codeOf(caller.workflows.get({ id: created.id }))).toBe('NOT_FOUND');
    const audit = await caller.audit.list({ projectId, entityType: 'service' });
    expect(audit.events.map((event) => event.action)).toEqual([
      'service.deleted',
      'service.updated',
      'service.created',
    ]);
  });

  it('refuses bad input and duplicate names without writing anything', async () => {
    const caller = callerFor(testApp, owner);
    await caller.workflows.create({ projectId, ...orders, name: 'unique' });
    expect(await codeOf(caller.workflows.create({ projectId, ...orders, name: 'unique' }))).toBe('CONFLICT');
    expect(await codeOf(caller.workflows.create({ projectId, ...orders, name: 'Bad Name' }))).toBe('BAD_REQUEST');
    expect(await codeOf(caller.workflows.create({ projectId, ...orders, name: 'x', taskQueue: '' }))).toBe(
      'BAD_REQUEST',
    );
    expect(
      await codeOf(
        caller.workflows.create({
          projectId,
          ...orders,
          name: 'bad-param',
          workflowIdSource: { mode: 'path_param', param: 'order-id' },
        }),
      ),
    ).toBe('BAD_REQUEST');
    const names = (await caller.workflows.list({ projectId })).map((service) => service.name);
    expect(names).not.toContain('bad-param');
  });

  it('keeps the workflow id source while public interfaces depend on it', async () => {
    const caller = callerFor(testApp, owner);
    const service = await caller.workflows.create({ projectId, ...orders, name: 'published' });
    const query = await caller.serviceInterfaces.create({
      serviceId: service.id,
      name: 'get',
      type: 'query',
      callableName: 'getOrder',
    });
    await caller.publicInterfaces.create({ serviceInterfaceId: query.id, method: 'GET', path: '/orders/{orderId}' });
    const change = caller.workflows.update({ id: service.id, workflowIdSource: { mode: 'path_param', param: 'id' } });
    expect(await codeOf(change)).toBe('PRECONDITION_FAILED');
    // Unchanged source and other fields are fine.
    await caller.workflows.update({ id: service.id, workflowIdSource: orders.workflowIdSource, taskQueue: 'q2' });
    const removed = await caller.workflows.delete({ id: service.id });
    expect(removed.deleted).toBe(true);
    const left = await caller.publicInterfaces.list({ projectId });
    expect(left.filter((route) => route.serviceInterfaceId === query.id)).toEqual([]);
  });

  it('leaves a published service to owners and admins: members cannot re-point or delete it, also under RLS', async () => {
    const asMember = callerFor(testApp, member);
    const service = await asMember.workflows.create({ projectId, ...orders, name: 'admin-published' });
    const query = await asMember.serviceInterfaces.create({
      serviceId: service.id,
      name: 'get',
      type: 'query',
      callableName: 'getOrder',
    });
    // Nothing published yet: the service is the member's to change.
    await asMember.workflows.update({ id: service.id, taskQueue: 'member-queue' });
    const route = await callerFor(testApp, admin).publicInterfaces.create({
      serviceInterfaceId: query.id,
      method: 'GET',
      path: '/orders/{orderId}',
    });

    const retype = await failureOf(asMember.workflows.update({ id: service.id, workflowType: 'otherWorkflow' }));
    expect(retype).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('owner or admin') });
    expect(retype.message).toContain('a public interface publishes it');
    expect(await codeOf(asMember.workflows.update({ id: service.id, taskQueue: 'other-queue' }))).toBe('FORBIDDEN');
    const source = { mode: 'fixed' as const, workflowId: 'x' };
    expect(await codeOf(asMember.workflows.update({ id: service.id, workflowIdSource: source }))).toBe('FORBIDDEN');
    expect(await codeOf(asMember.workflows.delete({ id: service.id }))).toBe('FORBIDDEN');
    // Unchanged values and presentation stay with members.
    const renamed = await asMember.workflows.update({ id: service.id, taskQueue: 'member-queue', displayName: 'Shop' });
    expect(renamed.displayName).toBe('Shop');

    const asMemberInSql = (statement: ReturnType<typeof sql>) =>
      withUserTransaction(testApp.database.db, { sub: member, role: 'authenticated' }, (tx) => statement.execute(tx));
    await expect(
      asMemberInSql(sql`update public.workflows set workflow_type = 'otherWorkflow' where id = ${service.id}`),
    ).rejects.toMatchObject({ code: '42501' });
    await expect(asMemberInSql(sql`delete from public.workflows where id = ${service.id}`)).rejects.toMatchObject({
      code: '42501',
    });
    await asMemberInSql(sql`update public.workflows set description = 'still fine' where id = ${service.id}`);
    expect((await callerFor(testApp, owner).publicInterfaces.get({ id: route.id })).id).toBe(route.id);
    expect(await callerFor(testApp, owner).workflows.get({ id: service.id })).toMatchObject({
      workflowType: 'orderWorkflow',
      taskQueue: 'member-queue',
      description: 'still fine',
    });

    const asAdmin = callerFor(testApp, admin);
    expect((await asAdmin.workflows.update({ id: service.id, taskQueue: 'admin-queue' })).taskQueue).toBe(
      'admin-queue',
    );
    expect((await asAdmin.workflows.delete({ id: service.id })).deleted).toBe(true);
  });

  it('still lets an owner delete a project whose services are published (cascade)', async () => {
    const asOwner = callerFor(testApp, owner);
    const doomed = (await asOwner.projects.create({ slug: 'doomed', name: 'Doomed' })).id;
    await asOwner.projects.members.add({ projectId: doomed, userId: member, role: 'member' });
    const service = await asOwner.workflows.create({ projectId: doomed, ...orders, name: 'published' });
    const query = await asOwner.serviceInterfaces.create({
      serviceId: service.id,
      name: 'get',
      type: 'query',
      callableName: 'getOrder',
    });
    await asOwner.publicInterfaces.create({ serviceInterfaceId: query.id, method: 'GET', path: '/o/{orderId}' });
    await asOwner.projects.delete({ projectId: doomed });
    expect(await codeOf(asOwner.workflows.get({ id: service.id }))).toBe('NOT_FOUND');
  });

  it('lets viewers read but not write, and strangers neither (NOT_FOUND), also under RLS', async () => {
    const service = await callerFor(testApp, owner).workflows.create({ projectId, ...orders, name: 'guarded' });
    const asViewer = callerFor(testApp, viewer);
    expect((await asViewer.workflows.get({ id: service.id })).name).toBe('guarded');
    expect(await codeOf(asViewer.workflows.create({ projectId, ...orders, name: 'viewer-made' }))).toBe('FORBIDDEN');
    expect(await codeOf(asViewer.workflows.delete({ id: service.id }))).toBe('FORBIDDEN');
    const intruder = callerFor(testApp, stranger);
    expect(await codeOf(intruder.workflows.list({ projectId }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.workflows.get({ id: service.id }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.workflows.update({ id: service.id, taskQueue: 'mine' }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.workflows.delete({ id: service.id }))).toBe('NOT_FOUND');
    expect(await codeOf(intruder.workflows.create({ projectId, ...orders, name: 'sneaky' }))).toBe('NOT_FOUND');

    const claims = { sub: stranger, role: 'authenticated' };
    const visible = await withUserTransaction(testApp.database.db, claims, (tx) =>
      tx.selectFrom('workflows').select('id').execute(),
    );
    expect(visible).toEqual([]);
    const insert = withUserTransaction(testApp.database.db, claims, (tx) =>
      sql`insert into public.workflows (project_id, name, display_name, workflow_type, task_queue, workflow_id_mode, fixed_workflow_id)
        values (${projectId}, 'rls', 'rls', 't', 'q', 'fixed', 'x')`.execute(tx),
    );
    await expect(insert).rejects.toMatchObject({ code: '42501' });
  });
});
