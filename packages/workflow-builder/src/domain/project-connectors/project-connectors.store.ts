import type { Queryable } from '../../db/tx.js';

/**
 * Project connector rows as a user's RLS transaction sees them: source members see their
 * connectors, target members those pointing at them (pending requests by slug). What each
 * side may change is enforced by the guard trigger (migration 20261201000700) as well.
 */
const connectorColumns = [
  'project_connectors.id',
  'project_connectors.project_id',
  'project_connectors.name',
  'project_connectors.description',
  'project_connectors.source_project_slug',
  'project_connectors.requested_project_slug',
  'project_connectors.requested_service_name',
  'project_connectors.requested_interfaces',
  'project_connectors.allowed_interfaces',
  'project_connectors.target_project_id',
  'project_connectors.target_service_id',
  'project_connectors.approved_at',
  'project_connectors.revoked_at',
  'project_connectors.revoked_side',
  'project_connectors.deleted_at',
  'project_connectors.tombstoned_at',
  'project_connectors.endpoint_name',
  'project_connectors.sync_status',
  'project_connectors.sync_error',
  'project_connectors.synced_at',
  'project_connectors.created_by',
  'project_connectors.created_at',
  'project_connectors.updated_at',
] as const;

export interface NewProjectConnector {
  id: string;
  projectId: string;
  name: string;
  description: string;
  requestedProjectSlug: string;
  requestedServiceName: string;
  requestedInterfaces: string[];
  createdBy: string;
}

export async function insertProjectConnector(db: Queryable, row: NewProjectConnector) {
  return db
    .insertInto('project_connectors')
    .values({
      id: row.id,
      project_id: row.projectId,
      name: row.name,
      description: row.description,
      requested_project_slug: row.requestedProjectSlug,
      requested_service_name: row.requestedServiceName,
      requested_interfaces: row.requestedInterfaces,
      created_by: row.createdBy,
    })
    .returning(connectorColumns)
    .executeTakeFirstOrThrow();
}

export async function findProjectConnector(db: Queryable, id: string) {
  return db.selectFrom('project_connectors').select(connectorColumns).where('id', '=', id).executeTakeFirst();
}

export type ProjectConnectorRow = NonNullable<Awaited<ReturnType<typeof findProjectConnector>>>;

/** The connector with its source project's namespace (for a test run from the source side). */
export async function findConnectorSource(db: Queryable, id: string) {
  return db
    .selectFrom('project_connectors')
    .innerJoin('projects', 'projects.id', 'project_connectors.project_id')
    .select([...connectorColumns, 'projects.temporal_namespace'])
    .where('project_connectors.id', '=', id)
    .executeTakeFirst();
}

export async function listOutgoing(db: Queryable, projectId: string, includeDeleted: boolean) {
  let query = db
    .selectFrom('project_connectors')
    .select(connectorColumns)
    .where('project_id', '=', projectId)
    .orderBy('name', 'asc')
    .orderBy('created_at', 'desc');
  if (!includeDeleted) query = query.where('deleted_at', 'is', null);
  return query.execute();
}

/** Connectors pointing at the project: approved ones by id, pending requests by its slug. */
export async function listIncoming(db: Queryable, projectId: string, slug: string, includeDeleted: boolean) {
  let query = db
    .selectFrom('project_connectors')
    .select(connectorColumns)
    .where((eb) =>
      eb.or([
        eb('target_project_id', '=', projectId),
        eb.and([eb('approved_at', 'is', null), eb('requested_project_slug', '=', slug)]),
      ]),
    )
    .orderBy('source_project_slug', 'asc')
    .orderBy('name', 'asc');
  if (!includeDeleted) query = query.where('deleted_at', 'is', null);
  return query.execute();
}

/** Under RLS this finds the project only for its members. */
export async function findMemberProjectBySlug(db: Queryable, slug: string) {
  return db.selectFrom('projects').select(['id', 'slug']).where('slug', '=', slug).executeTakeFirst();
}

export async function findServiceByName(db: Queryable, projectId: string, name: string) {
  return db
    .selectFrom('workflows')
    .select(['id', 'name'])
    .where('project_id', '=', projectId)
    .where('name', '=', name)
    .executeTakeFirst();
}

export async function listInterfaceNames(db: Queryable, serviceId: string): Promise<string[]> {
  const rows = await db.selectFrom('service_interfaces').select('name').where('workflow_id', '=', serviceId).execute();
  return rows.map((row) => row.name);
}

export async function approveConnector(
  db: Queryable,
  id: string,
  approval: { targetProjectId: string; targetServiceId: string; allowedInterfaces: string[]; userId: string },
) {
  return db
    .updateTable('project_connectors')
    .set({
      target_project_id: approval.targetProjectId,
      target_service_id: approval.targetServiceId,
      allowed_interfaces: approval.allowedInterfaces,
      approved_at: new Date(),
      approved_by: approval.userId,
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returning(connectorColumns)
    .executeTakeFirstOrThrow();
}

export async function updateConnector(
  db: Queryable,
  id: string,
  changes: { description?: string; allowedInterfaces?: string[] },
) {
  return db
    .updateTable('project_connectors')
    .set({
      ...(changes.description !== undefined && { description: changes.description }),
      ...(changes.allowedInterfaces !== undefined && { allowed_interfaces: changes.allowedInterfaces }),
      updated_at: new Date(),
    })
    .where('id', '=', id)
    .returning(connectorColumns)
    .executeTakeFirstOrThrow();
}

export async function revokeConnector(db: Queryable, id: string, userId: string, side: 'source' | 'target') {
  return db
    .updateTable('project_connectors')
    .set({ revoked_at: new Date(), revoked_by: userId, revoked_side: side, updated_at: new Date() })
    .where('id', '=', id)
    .returning(connectorColumns)
    .executeTakeFirstOrThrow();
}

export async function markConnectorDeleted(db: Queryable, id: string, userId: string) {
  return db
    .updateTable('project_connectors')
    .set({ deleted_at: new Date(), deleted_by: userId, updated_at: new Date() })
    .where('id', '=', id)
    .returning(connectorColumns)
    .executeTakeFirstOrThrow();
}
