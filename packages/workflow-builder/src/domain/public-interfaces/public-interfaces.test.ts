import { randomUUID } from 'node:crypto';
import { TRPCError } from '@trpc/server';
import { AppError } from '@wfb/core/errors.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { eventually } from '../../../test/eventually.js';
import { callerFor, createTestApp, ordersService, type TestApp } from '../../../test/test-app.js';
import { withUserTransaction } from '../../db/tx.js';
import { createPublicInterfaceService } from './public-interfaces.service.js';

async function failureOf(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError || error instanceof AppError) return { code: error.code, message: error.message };
    throw error;
  }
  return { code: 'OK', message: '' };
}

describe.each(driverKinds)('public interfaces on %s (database)', (kind) => {
  let testApp: TestApp;
  const owner = randomUUID();
  const member = randomUUID();
  const otherOwner = randomUUID();
  let projectId: string;
  let otherProjectId: string;
  const ids: Record<'signal' | 'query' | 'start' | 'singleton' | 'otherQuery', string> = {
    signal: '',
    query: '',
    start: '',
    singleton: '',
    otherQuery: '',
  };

  async function seedProject(userId: string, slug: string) {
    const caller = callerFor(testApp, userId);
    const project = await caller.projects.create({ slug, name: slug });
    const service = await caller.workflows.create(ordersService(project.id));
    const singleton = await caller.workflows.create({
      projectId: project.id,
      name: 'settings',
      workflowType: 'settingsWorkflow',
      taskQueue: 'q',
      workflowIdSource: { mode: 'fixed', workflowId: 'settings' },
    });
    const create = (serviceId: string, name: string, type: 'signal' | 'query' | 'start', callableName?: string) =>
      caller.serviceInterfaces.create({ serviceId, name, type, ...(callableName && { callableName }) });
    return {
      project,
      signal: await create(service.id, 'add-item', 'signal', 'addItem'),
      query: await create(service.id, 'get-order', 'query', 'getOrder'),
      start: await create(service.id, 'create', 'start'),
      singleton: await create(singleton.id, 'read', 'query', 'get'),
    };
  }

  beforeAll(async () => {
    testApp = await createTestApp(kind, { PUBLIC_BASE_URL: 'https://api.example.test/' });
    const mine = await seedProject(owner, 'published');
    const theirs = await seedProject(otherOwner, 'elsewhere');
    projectId = mine.project.id;
    otherProjectId = theirs.project.id;
    Object.assign(ids, {
      signal: mine.signal.id,
      query: mine.query.id,
      start: mine.start.id,
      singleton: mine.singleton.id,
      otherQuery: theirs.query.id,
    });
    await callerFor(testApp, owner).projects.members.add({ projectId, userId: member, role: 'member' });
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('publishes with a stable route hash and the full public URL', async () => {
    const caller = callerFor(testApp, owner);
    const created = await caller.publicInterfaces.create({
      serviceInterfaceId: ids.signal,
      method: 'POST',
      path: '/orders/{orderId}/items/',
      rateLimitPerMinute: 60,
    });
    expect(created).toMatchObject({ method: 'POST', path: '/orders/{orderId}/items', auth: 'api_key', enabled: true });
    expect(created.routeHash).toMatch(/^[a-z0-9]{16}$/);
    expect(created.url).toBe(`https://api.example.test/api/v1/${created.routeHash}/orders/{orderId}/items`);
    const moved = await caller.publicInterfaces.update({
      id: created.id,
      method: 'PUT',
      path: '/orders/{orderId}/lines',
    });
    expect(moved).toMatchObject({ routeHash: created.routeHash, method: 'PUT', path: '/orders/{orderId}/lines' });
    expect((await failureOf(caller.publicInterfaces.update({ id: created.id, method: 'GET' }))).code).toBe(
      'BAD_REQUEST',
    );
    const lostParam = caller.publicInterfaces.update({ id: created.id, path: '/orders/items' });
    expect(await failureOf(lostParam)).toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('{orderId}'),
    });
    expect((await caller.publicInterfaces.get({ id: created.id })).method).toBe('PUT');
    const root = await caller.publicInterfaces.create({ serviceInterfaceId: ids.start, method: 'POST', path: '/' });
    expect(root.url).toBe(`https://api.example.test/api/v1/${root.routeHash}`);
  });

  it.each([
    ['a GET for a signal', 'signal', 'GET', '/orders/{orderId}', 'published with POST'],
    ['a path without the workflow id parameter', 'query', 'GET', '/orders', 'must contain {orderId}'],
    ['an unknown parameter', 'query', 'GET', '/orders/{orderId}/{line}', 'unknown path parameter {line}'],
    ['a parameter on a fixed-id service', 'singleton', 'GET', '/settings/{orderId}', 'take no {parameters}'],
    ['a malformed path', 'query', 'GET', '/orders/{orderId}//x', 'invalid path segment'],
  ] as const)('refuses %s with the reason', async (_label, target, method, path, reason) => {
    const attempt = callerFor(testApp, owner).publicInterfaces.create({
      serviceInterfaceId: ids[target],
      method,
      path,
    });
    expect(await failureOf(attempt)).toEqual({ code: 'BAD_REQUEST', message: expect.stringContaining(reason) });
  });

  it('regenerates a colliding route hash, also against hashes other tenants hold (hidden by RLS)', async () => {
    const colliding = ({ attempt }: { attempt: number }) => `collide${kind}${attempt}`.replace(/[^a-z0-9]/g, '');
    const service = createPublicInterfaceService({
      publicBaseUrl: 'http://x',
      routeHash: colliding,
      maxHashAttempts: 3,
    });
    const publish = (userId: string, serviceInterfaceId: string, path: string) => {
      const user = { id: userId, email: undefined, claims: { sub: userId, role: 'authenticated' } };
      return withUserTransaction(testApp.database.db, user.claims, (tx) =>
        service.create(tx, user, { serviceInterfaceId, method: 'GET', path }),
      );
    };
    const first = await publish(owner, ids.query, '/orders/{orderId}');
    const second = await publish(owner, ids.query, '/orders/{orderId}/again');
    const foreign = await publish(otherOwner, ids.otherQuery, '/orders/{orderId}');
    expect([first.routeHash, second.routeHash, foreign.routeHash]).toEqual([
      colliding({ attempt: 0 }),
      colliding({ attempt: 1 }),
      colliding({ attempt: 2 }),
    ]);
    expect(await failureOf(publish(owner, ids.query, '/orders/{orderId}/third'))).toMatchObject({ code: 'CONFLICT' });
    const audit = await callerFor(testApp, owner).audit.list({ projectId, entityType: 'public_interface' });
    const attempts = audit.events.map((event) => (event.metadata as { hashAttempts?: number }).hashAttempts);
    expect(attempts).toContain(2);
  });

  it('lets only admins publish and keeps other tenants out (NOT_FOUND)', async () => {
    const byMember = callerFor(testApp, member).publicInterfaces.create({
      serviceInterfaceId: ids.query,
      method: 'GET',
      path: '/orders/{orderId}',
    });
    expect((await failureOf(byMember)).code).toBe('FORBIDDEN');
    const published = await callerFor(testApp, owner).publicInterfaces.create({
      serviceInterfaceId: ids.query,
      method: 'GET',
      path: '/o/{orderId}',
    });
    expect((await callerFor(testApp, member).publicInterfaces.get({ id: published.id })).id).toBe(published.id);
    const intruder = callerFor(testApp, otherOwner);
    expect((await failureOf(intruder.publicInterfaces.get({ id: published.id }))).code).toBe('NOT_FOUND');
    expect((await failureOf(intruder.publicInterfaces.update({ id: published.id, enabled: false }))).code).toBe(
      'NOT_FOUND',
    );
    expect((await failureOf(intruder.publicInterfaces.delete({ id: published.id }))).code).toBe('NOT_FOUND');
    expect((await failureOf(intruder.publicInterfaces.openapi({ projectId }))).code).toBe('NOT_FOUND');
    const foreign = intruder.publicInterfaces.create({
      serviceInterfaceId: ids.query,
      method: 'GET',
      path: '/x/{orderId}',
    });
    expect((await failureOf(foreign)).code).toBe('NOT_FOUND');
  });

  it('scopes keys to an interface of their own project only, and deletes them with it', async () => {
    const caller = callerFor(testApp, owner);
    const published = await caller.publicInterfaces.create({
      serviceInterfaceId: ids.query,
      method: 'GET',
      path: '/scoped/{orderId}',
    });
    const theirs = await callerFor(testApp, otherOwner).publicInterfaces.create({
      serviceInterfaceId: ids.otherQuery,
      method: 'GET',
      path: '/theirs/{orderId}',
    });
    const crossTenant = caller.apiKeys.create({ projectId, name: 'cross', publicInterfaceId: theirs.id });
    expect((await failureOf(crossTenant)).code).toBe('NOT_FOUND');
    const scoped = await caller.apiKeys.create({ projectId, name: 'scoped', publicInterfaceId: published.id });
    expect(scoped.key.publicInterfaceId).toBe(published.id);
    expect(await caller.publicInterfaces.delete({ id: published.id })).toMatchObject({ scopedKeysDeleted: 1 });
    expect((await failureOf(caller.apiKeys.get({ id: scoped.key.id }))).code).toBe('NOT_FOUND');
    expect(otherProjectId).not.toBe(projectId);
  });

  it('reaches the gateway route table through NOTIFY, and the OpenAPI document lists enabled routes', async () => {
    const caller = callerFor(testApp, owner);
    const routes = testApp.app.gateway.routes;
    const published = await caller.publicInterfaces.create({
      serviceInterfaceId: ids.singleton,
      method: 'GET',
      path: '/settings',
    });
    await eventually(async () => (await routes.resolve(published.routeHash))?.enabled === true);
    expect(await routes.resolve(published.routeHash)).toMatchObject({
      projectId,
      // The namespace derived from the slug (TEMPORAL_NAMESPACE_PREFIX defaults to "wfb-").
      namespace: 'wfb-published',
      fixedWorkflowId: 'settings',
      callableName: 'get',
    });
    await caller.publicInterfaces.update({ id: published.id, enabled: false });
    await eventually(async () => (await routes.resolve(published.routeHash))?.enabled === false);
    const document = (await caller.publicInterfaces.openapi({ projectId })) as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths)).not.toContain(`/${published.routeHash}/settings`);
    await caller.publicInterfaces.update({ id: published.id, enabled: true });
    await eventually(async () => (await routes.resolve(published.routeHash))?.enabled === true);
    const enabled = (await caller.publicInterfaces.openapi({ projectId })) as { paths: Record<string, unknown> };
    expect(Object.keys(enabled.paths)).toContain(`/${published.routeHash}/settings`);
    await caller.workflows.delete({ id: (await caller.serviceInterfaces.get({ id: ids.singleton })).serviceId });
    await eventually(async () => (await routes.resolve(published.routeHash)) === undefined);
  });
});
