import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { callerFor, createTestApp, trpcFailure as failureOf, type TestApp } from '../../../test/test-app.js';

describe.each(driverKinds)('project connectors on %s (database)', (kind) => {
  let testApp: TestApp;
  const sourceOwner = randomUUID();
  const sourceMember = randomUUID();
  const targetOwner = randomUUID();
  const targetMember = randomUUID();
  const bothAdmin = randomUUID();
  const stranger = randomUUID();
  let sourceId: string;
  let targetId: string;

  const request = (name: string, projectSlug = 'billing', interfaces = ['charge', 'balance']) => ({
    projectId: sourceId,
    name,
    description: 'pays for orders',
    target: { projectSlug, serviceName: 'invoices', interfaces },
  });

  beforeAll(async () => {
    testApp = await createTestApp(kind);
    const source = callerFor(testApp, sourceOwner);
    sourceId = (await source.projects.create({ slug: 'shop', name: 'Shop' })).id;
    await source.projects.members.add({ projectId: sourceId, userId: sourceMember, role: 'member' });
    await source.projects.members.add({ projectId: sourceId, userId: bothAdmin, role: 'admin' });
    const target = callerFor(testApp, targetOwner);
    targetId = (await target.projects.create({ slug: 'billing', name: 'Billing' })).id;
    await target.projects.members.add({ projectId: targetId, userId: targetMember, role: 'member' });
    await target.projects.members.add({ projectId: targetId, userId: bothAdmin, role: 'admin' });
    const service = await target.workflows.create({
      projectId: targetId,
      name: 'invoices',
      workflowType: 'invoiceWorkflow',
      taskQueue: 'billing',
      workflowIdSource: { mode: 'path_param', param: 'invoiceId' },
    });
    for (const [name, type] of [
      ['charge', 'update'],
      ['balance', 'query'],
      ['refund', 'signal'],
    ] as const) {
      await target.serviceInterfaces.create({ serviceId: service.id, name, type, callableName: name });
    }
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('answers a requester who is no member of the target the same whether the target exists or not', async () => {
    const requester = callerFor(testApp, sourceMember);
    const real = await requester.projectConnectors.create(request('real'));
    const imaginary = await requester.projectConnectors.create(request('imaginary', 'no-such-project'));
    const shape = (view: typeof real) => ({
      ...view,
      id: undefined,
      name: undefined,
      createdAt: undefined,
      updatedAt: undefined,
      requested: { ...view.requested, projectSlug: undefined },
    });
    expect(shape(real)).toEqual(shape(imaginary));
    expect(real).toMatchObject({ state: 'pending_approval', targetProjectId: null, allowedInterfaces: [] });

    const incoming = await callerFor(testApp, targetMember).projectConnectors.list({ projectId: targetId });
    expect(incoming.incoming.map((entry) => entry.name)).toContain('real');
    expect(incoming.incoming.map((entry) => entry.name)).not.toContain('imaginary');
    expect(incoming.outgoing).toEqual([]);
    expect((await failureOf(callerFor(testApp, stranger).projectConnectors.get({ id: real.id }))).code).toBe(
      'NOT_FOUND',
    );
    // The target side sees the connector, not the source project.
    expect((await failureOf(callerFor(testApp, targetMember).projects.get({ projectId: sourceId }))).code).toBe(
      'NOT_FOUND',
    );
  });

  it('lets only an admin of the target approve, with a subset of what was requested', async () => {
    const created = await callerFor(testApp, sourceMember).projectConnectors.create(request('approve-me'));
    const id = created.id;
    expect((await failureOf(callerFor(testApp, sourceOwner).projectConnectors.approve({ id }))).code).toBe('FORBIDDEN');
    expect((await failureOf(callerFor(testApp, targetMember).projectConnectors.approve({ id }))).code).toBe(
      'FORBIDDEN',
    );
    expect((await failureOf(callerFor(testApp, stranger).projectConnectors.approve({ id }))).code).toBe('NOT_FOUND');
    const admin = callerFor(testApp, targetOwner);
    const widened = await failureOf(admin.projectConnectors.approve({ id, allowedInterfaces: ['refund'] }));
    expect(widened).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('not requested') });
    const approved = await admin.projectConnectors.approve({ id, allowedInterfaces: ['balance'] });
    expect(approved).toMatchObject({ state: 'active', targetProjectId: targetId, allowedInterfaces: ['balance'] });
    expect((await failureOf(admin.projectConnectors.approve({ id }))).code).toBe('PRECONDITION_FAILED');
    const seen = await callerFor(testApp, sourceMember).projectConnectors.get({ id });
    expect(seen.targetServiceId).toBe(approved.targetServiceId);
  });

  it('refuses an approval naming interfaces the service does not have', async () => {
    const created = await callerFor(testApp, sourceMember).projectConnectors.create(
      request('ghost', 'billing', ['balance', 'ghost']),
    );
    const failure = await failureOf(callerFor(testApp, targetOwner).projectConnectors.approve({ id: created.id }));
    expect(failure).toMatchObject({ code: 'BAD_REQUEST', message: expect.stringContaining('ghost') });
  });

  it('approves at once when the creator is an admin of both projects; names are unique per source', async () => {
    const caller = callerFor(testApp, bothAdmin);
    const created = await caller.projectConnectors.create(request('instant'));
    expect(created).toMatchObject({ state: 'active', allowedInterfaces: ['charge', 'balance'] });
    expect((await failureOf(caller.projectConnectors.create(request('instant')))).code).toBe('CONFLICT');
  });

  it('lets the target narrow and the source describe; neither does the other side’s change', async () => {
    const { id } = await callerFor(testApp, bothAdmin).projectConnectors.create(request('narrow'));
    const target = callerFor(testApp, targetOwner);
    const source = callerFor(testApp, sourceMember);
    expect((await target.projectConnectors.update({ id, allowedInterfaces: ['charge'] })).allowedInterfaces).toEqual([
      'charge',
    ]);
    const widen = await failureOf(target.projectConnectors.update({ id, allowedInterfaces: ['charge', 'balance'] }));
    expect(widen.code).toBe('BAD_REQUEST');
    expect((await failureOf(source.projectConnectors.update({ id, allowedInterfaces: ['charge'] }))).code).toBe(
      'FORBIDDEN',
    );
    expect((await failureOf(target.projectConnectors.update({ id, description: 'mine' }))).code).toBe('FORBIDDEN');
    expect((await source.projectConnectors.update({ id, description: 'now described' })).description).toBe(
      'now described',
    );
  });

  it('lets either side revoke, once; only the source deletes, which frees the name', async () => {
    const both = callerFor(testApp, bothAdmin);
    const first = await both.projectConnectors.create(request('revoke-target'));
    const revoked = await callerFor(testApp, targetOwner).projectConnectors.revoke({ id: first.id });
    expect(revoked).toMatchObject({ state: 'revoked', revokedSide: 'target' });
    expect((await failureOf(both.projectConnectors.revoke({ id: first.id }))).code).toBe('PRECONDITION_FAILED');

    const second = await both.projectConnectors.create(request('revoke-source'));
    expect((await callerFor(testApp, sourceMember).projectConnectors.revoke({ id: second.id })).revokedSide).toBe(
      'source',
    );
    expect((await failureOf(callerFor(testApp, targetOwner).projectConnectors.delete({ id: second.id }))).code).toBe(
      'FORBIDDEN',
    );
    await callerFor(testApp, sourceMember).projectConnectors.delete({ id: second.id });
    const listed = await both.projectConnectors.list({ projectId: sourceId, direction: 'outgoing' });
    expect(listed.outgoing.map((entry) => entry.name)).not.toContain('revoke-source');
    const withDeleted = await both.projectConnectors.list({ projectId: sourceId, includeDeleted: true });
    expect(withDeleted.outgoing.find((entry) => entry.id === second.id)?.state).toBe('deleted');
    const again = await both.projectConnectors.create(request('revoke-source'));
    expect(again.state).toBe('active');
  });

  it('writes audit events for create, approve, change, revoke and delete on both sides', async () => {
    const created = await callerFor(testApp, sourceMember).projectConnectors.create(request('audited'));
    const id = created.id;
    await callerFor(testApp, targetOwner).projectConnectors.approve({ id });
    await callerFor(testApp, targetOwner).projectConnectors.update({ id, allowedInterfaces: ['charge'] });
    await callerFor(testApp, sourceMember).projectConnectors.revoke({ id });
    await callerFor(testApp, sourceMember).projectConnectors.delete({ id });
    const actionsIn = async (userId: string, projectId: string) =>
      (await callerFor(testApp, userId).audit.list({ projectId, entityType: 'project_connector', limit: 200 })).events
        .filter((event) => event.entity_id === id)
        .map((event) => event.action)
        .sort();
    expect(await actionsIn(sourceOwner, sourceId)).toEqual([
      'project_connector.approved',
      'project_connector.created',
      'project_connector.deleted',
      'project_connector.revoked',
      'project_connector.updated',
    ]);
    expect(await actionsIn(targetOwner, targetId)).toEqual([
      'project_connector.approved',
      'project_connector.deleted',
      'project_connector.revoked',
      'project_connector.updated',
    ]);
  });

  it('validates input: names, slugs and interface lists', async () => {
    const caller = callerFor(testApp, sourceMember);
    expect((await failureOf(caller.projectConnectors.create({ ...request('x'), name: 'Bad_Name' }))).code).toBe(
      'BAD_REQUEST',
    );
    expect((await failureOf(caller.projectConnectors.create(request('empty', 'billing', [])))).code).toBe(
      'BAD_REQUEST',
    );
    expect((await failureOf(caller.projectConnectors.create(request('slug', 'NOPE')))).code).toBe('BAD_REQUEST');
    const viewer = randomUUID();
    await callerFor(testApp, sourceOwner).projects.members.add({ projectId: sourceId, userId: viewer, role: 'viewer' });
    expect((await failureOf(callerFor(testApp, viewer).projectConnectors.create(request('viewer')))).code).toBe(
      'FORBIDDEN',
    );
    expect((await failureOf(callerFor(testApp, stranger).projectConnectors.create(request('stranger')))).code).toBe(
      'NOT_FOUND',
    );
  });
});
