import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../test/databases.js';
import { eventually } from '../../test/eventually.js';
import { callerFor, createTestApp, type TestApp } from '../../test/test-app.js';
import { withUserTransaction } from '../db/tx.js';
import { listKongSyncRows, writeKongStatuses } from '../domain/public-interfaces/kong-status.store.js';
import { routesChannel } from '../gateway/route-table.js';

/**
 * The Kong status table's rules hold for direct SQL too: members read their project's rows,
 * no user writes any, a route-relevant change marks the interface pending, a stale write of
 * the controller is ignored, and status writes never announce a route change.
 */
describe.each(driverKinds)('Kong sync status rules on %s (database)', (kind) => {
  let testApp: TestApp;
  const owner = randomUUID();
  const viewer = randomUUID();
  const stranger = randomUUID();
  let projectId: string;
  let interfaceId: string;

  beforeAll(async () => {
    testApp = await createTestApp(kind);
    const caller = callerFor(testApp, owner);
    projectId = (await caller.projects.create({ slug: 'kong-rules', name: 'K' })).id;
    await caller.projects.members.add({ projectId, userId: viewer, role: 'viewer' });
    await callerFor(testApp, stranger).projects.create({ slug: 'kong-rules-other', name: 'O' });
    const service = await caller.workflows.create({
      projectId,
      name: 'settings',
      workflowType: 'w',
      taskQueue: 'q',
      workflowIdSource: { mode: 'fixed', workflowId: 'settings' },
    });
    const read = await caller.serviceInterfaces.create({
      serviceId: service.id,
      name: 'read',
      type: 'query',
      callableName: 'get',
    });
    interfaceId = (await caller.publicInterfaces.create({ serviceInterfaceId: read.id, method: 'GET', path: '/x' })).id;
  });
  afterAll(async () => {
    await testApp.close();
  });

  const asUser = <T>(userId: string, query: string) =>
    withUserTransaction(testApp.database.db, { sub: userId }, (tx) => sql.raw<T>(query).execute(tx));
  const statusRow = async () =>
    (
      await sql<{ status: string; revision: number }>`select status, revision::int as revision
        from public_interface_kong_status where public_interface_id = ${interfaceId}`.execute(testApp.database.db)
    ).rows[0];

  it('lets members read their project rows only', async () => {
    const count = `select count(*)::int as n from public_interface_kong_status where public_interface_id = '${interfaceId}'`;
    expect((await asUser<{ n: number }>(viewer, count)).rows[0]?.n).toBe(1);
    expect((await asUser<{ n: number }>(stranger, count)).rows[0]?.n).toBe(0);
  });

  it.each([
    ['update', "update public_interface_kong_status set status = 'synced'"],
    [
      'insert',
      `insert into public_interface_kong_status (public_interface_id, project_id) values ('${randomUUID()}', '${randomUUID()}')`,
    ],
    ['delete', 'delete from public_interface_kong_status'],
  ])('refuses a direct %s even by the owner', async (_label, statement) => {
    await expect(asUser(owner, statement)).rejects.toThrow(/permission denied/);
  });

  it('marks a route change pending (direct SQL included) and ignores a stale controller write', async () => {
    const [row] = (await listKongSyncRows(testApp.database.db)).filter((candidate) => candidate.id === interfaceId);
    if (!row) throw new Error('interface missing');
    const write = {
      publicInterfaceId: interfaceId,
      projectId,
      kongRouteId: randomUUID(),
      kongPluginIds: [],
      lastError: null,
    };
    expect(await writeKongStatuses(testApp.database.db, [{ ...write, revision: row.revision, status: 'synced' }])).toBe(
      1,
    );
    expect((await statusRow())?.status).toBe('synced');

    await asUser(owner, `update public_interfaces set rate_limit_per_minute = 7 where id = '${interfaceId}'`);
    expect(await statusRow()).toEqual({ status: 'pending', revision: row.revision + 1 });
    await asUser(owner, `update public_interfaces set description = 'only words' where id = '${interfaceId}'`);
    expect((await statusRow())?.revision).toBe(row.revision + 1);

    expect(await writeKongStatuses(testApp.database.db, [{ ...write, revision: row.revision, status: 'synced' }])).toBe(
      0,
    );
    expect((await statusRow())?.status).toBe('pending');
  });

  it('writes statuses without a wfb_routes notification', async () => {
    const payloads: string[] = [];
    const unlisten = await testApp.database.listen(routesChannel, (payload) => payloads.push(payload));
    try {
      const [row] = (await listKongSyncRows(testApp.database.db)).filter((candidate) => candidate.id === interfaceId);
      if (!row) throw new Error('interface missing');
      await writeKongStatuses(testApp.database.db, [
        {
          publicInterfaceId: interfaceId,
          projectId,
          revision: row.revision,
          status: 'error',
          kongRouteId: null,
          kongPluginIds: [],
          lastError: 'x',
        },
      ]);
      await sql`select pg_notify(${routesChannel}, 'sentinel')`.execute(testApp.database.db);
      await eventually(async () => payloads.includes('sentinel'));
      expect(payloads).toEqual(['sentinel']);
    } finally {
      await unlisten();
    }
  });
});
