import { randomUUID } from 'node:crypto';
import { createDatabase } from '@wfb/core/db/driver.js';
import { type RawBuilder, sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../../test/databases.js';
import { callerFor, createTestApp, type TestApp } from '../../../test/test-app.js';
import { withUserTransaction } from '../../db/tx.js';

/**
 * What the API enforces about project connectors holds for SQL that reaches the table
 * directly as `authenticated` (Supabase's Data API, a console with a user's JWT): only the
 * target's admins approve and narrow, the request is fixed, revocation is final, nobody
 * deletes a row (it is the tombstone) or touches the controller's columns, and nobody sees
 * a connector that is not theirs.
 */
describe.each(driverKinds)('project connector rules under direct SQL on %s (database)', (kind) => {
  let testApp: TestApp;
  const requester = randomUUID();
  const targetAdmin = randomUUID();
  const targetMember = randomUUID();
  const stranger = randomUUID();
  let sourceId: string;
  let targetId: string;
  let serviceId: string;

  beforeAll(async () => {
    testApp = await createTestApp(kind);
    sourceId = (await callerFor(testApp, requester).projects.create({ slug: 'rules-source', name: 'S' })).id;
    const admin = callerFor(testApp, targetAdmin);
    targetId = (await admin.projects.create({ slug: 'rules-target', name: 'T' })).id;
    await admin.projects.members.add({ projectId: targetId, userId: targetMember, role: 'member' });
    serviceId = (
      await admin.workflows.create({
        projectId: targetId,
        name: 'ledger',
        workflowType: 'ledgerWorkflow',
        taskQueue: 'q',
        workflowIdSource: { mode: 'fixed', workflowId: 'ledger' },
      })
    ).id;
    for (const name of ['read', 'write']) {
      await admin.serviceInterfaces.create({ serviceId, name, type: 'query', callableName: name });
    }
  });
  afterAll(async () => {
    await testApp.close();
  });

  const as = (userId: string, statement: RawBuilder<unknown>) =>
    withUserTransaction(testApp.database.db, { sub: userId }, (tx) => statement.execute(tx));
  const sqlState = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (error: { code?: string }) => error.code ?? 'error',
    );
  const pending = async (name: string, interfaces = ['read', 'write']) =>
    (
      await callerFor(testApp, requester).projectConnectors.create({
        projectId: sourceId,
        name,
        target: { projectSlug: 'rules-target', serviceName: 'ledger', interfaces },
      })
    ).id;
  const approve = (userId: string, id: string, allowed: string[]) =>
    as(
      userId,
      sql`update public.project_connectors set approved_at = now(), approved_by = ${userId},
        target_project_id = ${targetId}, target_service_id = ${serviceId}, allowed_interfaces = ${allowed}
        where id = ${id}`,
    );
  const rowsSeenBy = async (userId: string, id: string) =>
    (
      await withUserTransaction(testApp.database.db, { sub: userId }, (tx) =>
        sql`select id from public.project_connectors where id = ${id}`.execute(tx),
      )
    ).rows.length;

  it('refuses an insert that is not a pending request, or that writes controller columns', async () => {
    const approvedInsert = sql`insert into public.project_connectors (project_id, name, requested_project_slug,
      requested_service_name, requested_interfaces, created_by, approved_at)
      values (${sourceId}, 'forged', 'rules-target', 'ledger', ${['read']}, ${requester}, now())`;
    expect(await sqlState(as(requester, approvedInsert))).toBe('42501');
    const endpointInsert = sql`insert into public.project_connectors (project_id, name, requested_project_slug,
      requested_service_name, requested_interfaces, created_by, endpoint_name)
      values (${sourceId}, 'forged', 'rules-target', 'ledger', ${['read']}, ${requester}, 'wfb-victim-endpoint')`;
    expect(await sqlState(as(requester, endpointInsert))).toBe('42501');
    const foreignInsert = sql`insert into public.project_connectors (project_id, name, requested_project_slug,
      requested_service_name, requested_interfaces, created_by)
      values (${sourceId}, 'forged', 'rules-target', 'ledger', ${['read']}, ${stranger})`;
    expect(await sqlState(as(stranger, foreignInsert))).toBe('42501');
  });

  it('lets only an admin of the requested project approve, within the request and the service', async () => {
    const id = await pending('approval');
    expect(await sqlState(approve(requester, id, ['read']))).toBe('42501');
    expect(await sqlState(approve(targetMember, id, ['read']))).toBe('ok');
    // RLS hid the row from the member's update: nothing changed.
    expect((await callerFor(testApp, requester).projectConnectors.get({ id })).state).toBe('pending_approval');
    expect(await sqlState(approve(targetAdmin, id, ['read', 'other']))).toBe('42501');
    expect(await sqlState(approve(targetAdmin, id, []))).toBe('42501');
    expect(await sqlState(approve(targetAdmin, id, ['read']))).toBe('ok');
    expect((await callerFor(testApp, requester).projectConnectors.get({ id })).state).toBe('active');
    // Approval is final; the allowed list only narrows; the request and source are fixed.
    expect(await sqlState(approve(targetAdmin, id, ['read']))).toBe('42501');
    const widen = sql`update public.project_connectors set allowed_interfaces = ${['read', 'write']} where id = ${id}`;
    expect(await sqlState(as(targetAdmin, widen))).toBe('42501');
    const retarget = sql`update public.project_connectors set requested_service_name = 'other' where id = ${id}`;
    expect(await sqlState(as(targetAdmin, retarget))).toBe('42501');
    const describe = sql`update public.project_connectors set description = 'by target' where id = ${id}`;
    expect(await sqlState(as(targetAdmin, describe))).toBe('42501');
  });

  it('keeps revocation final and names the side; nobody deletes rows or writes controller columns', async () => {
    const id = await pending('final');
    await approve(targetAdmin, id, ['read']);
    const asSource = sql`update public.project_connectors set revoked_at = now(), revoked_by = ${targetAdmin},
      revoked_side = 'source' where id = ${id}`;
    expect(await sqlState(as(targetAdmin, asSource))).toBe('42501');
    const asTarget = sql`update public.project_connectors set revoked_at = now(), revoked_by = ${targetAdmin},
      revoked_side = 'target' where id = ${id}`;
    expect(await sqlState(as(targetAdmin, asTarget))).toBe('ok');
    const unrevoke = sql`update public.project_connectors set revoked_at = null, revoked_by = null, revoked_side = null
      where id = ${id}`;
    expect(await sqlState(as(requester, unrevoke))).toBe('42501');
    const hardDelete = sql`delete from public.project_connectors where id = ${id}`;
    expect(await sqlState(as(requester, hardDelete))).toBe('42501');
    const bookkeeping = sql`update public.project_connectors set sync_status = 'synced', endpoint_id = 'x' where id = ${id}`;
    expect(await sqlState(as(requester, bookkeeping))).toBe('42501');
    const targetDeletes = sql`update public.project_connectors set deleted_at = now(), deleted_by = ${targetAdmin}
      where id = ${id}`;
    expect(await sqlState(as(targetAdmin, targetDeletes))).toBe('42501');
  });

  it('shows a connector to its two sides only, and a pending request to the requested project', async () => {
    const id = await pending('visibility');
    expect(await rowsSeenBy(requester, id)).toBe(1);
    expect(await rowsSeenBy(targetMember, id)).toBe(1);
    expect(await rowsSeenBy(stranger, id)).toBe(0);
    const otherProject = (await callerFor(testApp, stranger).projects.create({ slug: 'rules-other', name: 'O' })).id;
    expect(otherProject).toBeTruthy();
    expect(await rowsSeenBy(stranger, id)).toBe(0);
  });

  it('turns connectors of a deleted target project into tombstones', async () => {
    const doomedAdmin = randomUUID();
    const doomed = callerFor(testApp, doomedAdmin);
    const doomedId = (await doomed.projects.create({ slug: 'rules-doomed', name: 'D' })).id;
    const svc = await doomed.workflows.create({
      projectId: doomedId,
      name: 'ledger',
      workflowType: 'w',
      taskQueue: 'q',
      workflowIdSource: { mode: 'fixed', workflowId: 'w' },
    });
    await doomed.serviceInterfaces.create({ serviceId: svc.id, name: 'read', type: 'query', callableName: 'read' });
    const { id } = await callerFor(testApp, requester).projectConnectors.create({
      projectId: sourceId,
      name: 'doomed',
      target: { projectSlug: 'rules-doomed', serviceName: 'ledger', interfaces: ['read'] },
    });
    await doomed.projectConnectors.approve({ id });
    await doomed.projects.delete({ projectId: doomedId });
    const after = await callerFor(testApp, requester).projectConnectors.get({ id });
    expect(after).toMatchObject({ state: 'target_deleted', targetProjectId: null, targetServiceId: null });
    const tombstoned = await testApp.database.db
      .selectFrom('project_connectors')
      .select('tombstoned_at')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    expect(tombstoned.tombstoned_at).not.toBeNull();
  });
});

describe.runIf(driverKinds.includes('postgres'))('the worker role wfb_worker (postgres)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await createTestApp('postgres');
    await callerFor(testApp, randomUUID()).projects.create({ slug: 'worker-role', name: 'W' });
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('reads the two views and nothing else, and writes nothing', async () => {
    const url = new URL(testApp.database.url ?? '');
    url.username = 'wfb_worker';
    const worker = await createDatabase({ databaseUrl: url.toString(), poolSize: 1 });
    const state = (statement: RawBuilder<unknown>) =>
      statement.execute(worker.db).then(
        () => 'ok',
        (error: { code?: string }) => error.code ?? 'error',
      );
    try {
      expect(await state(sql`select * from wfb_worker.connector_policy`)).toBe('ok');
      expect(await state(sql`select * from wfb_worker.project_namespaces`)).toBe('ok');
      for (const table of ['projects', 'project_connectors', 'connector_credentials', 'api_keys', 'audit_events']) {
        expect(await state(sql`select 1 from ${sql.table(`public.${table}`)} limit 1`)).toBe('42501');
      }
      expect(await state(sql`update public.project_connectors set description = 'x'`)).toBe('42501');
      expect(await state(sql`set role service_role`)).toBe('42501');
    } finally {
      await worker.close();
    }
  });
});
