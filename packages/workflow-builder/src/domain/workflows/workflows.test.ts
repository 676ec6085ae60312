import { randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../../test/test-app.js';
import { withUserTransaction } from '../../db/tx.js';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
  return 'OK';
}

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
  const stranger = randomUUID();
  let projectId: string;

  beforeAll(async () => {
    testApp = await createTestApp(kind);
    projectId = (await callerFor(testApp, owner).projects.create({ slug: 'services', name: 'Services' })).id;
    await callerFor(testApp, owner).projects.members.add({ projectId, userId: viewer, role: 'viewer' });
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
