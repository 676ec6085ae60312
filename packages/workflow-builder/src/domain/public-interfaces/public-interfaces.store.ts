import type { HttpMethod } from '@wfb/core/db/schema.services.js';
import type { Queryable } from '../../db/tx.js';

const publicInterfaceColumns = [
  'id',
  'project_id',
  'service_interface_id',
  'method',
  'path',
  'route_hash',
  'auth',
  'rate_limit_per_minute',
  'enabled',
  'description',
  'created_by',
  'created_at',
  'updated_at',
] as const;

export interface NewPublicInterface {
  id: string;
  projectId: string;
  serviceInterfaceId: string;
  method: HttpMethod;
  path: string;
  routeHash: string;
  rateLimitPerMinute: number | null;
  enabled: boolean;
  description: string;
  createdBy: string;
}

/** Undefined when the route hash is taken (by any project: the conflict check ignores RLS). */
export async function insertPublicInterfaceUnlessHashTaken(db: Queryable, row: NewPublicInterface) {
  return db
    .insertInto('public_interfaces')
    .values({
      id: row.id,
      project_id: row.projectId,
      service_interface_id: row.serviceInterfaceId,
      method: row.method,
      path: row.path,
      route_hash: row.routeHash,
      rate_limit_per_minute: row.rateLimitPerMinute,
      enabled: row.enabled,
      description: row.description,
      created_by: row.createdBy,
    })
    .onConflict((conflict) => conflict.column('route_hash').doNothing())
    .returning(publicInterfaceColumns)
    .executeTakeFirst();
}

export async function findPublicInterface(db: Queryable, id: string) {
  return db.selectFrom('public_interfaces').select(publicInterfaceColumns).where('id', '=', id).executeTakeFirst();
}

export async function listPublicInterfaces(db: Queryable, projectId: string, serviceInterfaceId?: string) {
  let query = db
    .selectFrom('public_interfaces')
    .select(publicInterfaceColumns)
    .where('project_id', '=', projectId)
    .orderBy('created_at', 'asc')
    .orderBy('id', 'asc');
  if (serviceInterfaceId) query = query.where('service_interface_id', '=', serviceInterfaceId);
  return query.execute();
}

export async function updatePublicInterface(
  db: Queryable,
  id: string,
  changes: {
    method?: HttpMethod;
    path?: string;
    rateLimitPerMinute?: number | null;
    enabled?: boolean;
    description?: string;
  },
) {
  return db
    .updateTable('public_interfaces')
    .set({
      ...(changes.method !== undefined && { method: changes.method }),
      ...(changes.path !== undefined && { path: changes.path }),
      ...(changes.rateLimitPerMinute !== undefined && { rate_limit_per_minute: changes.rateLimitPerMinute }),
      ...(changes.enabled !== undefined && { enabled: changes.enabled }),
      ...(changes.description !== undefined && { description: changes.description }),
      updated_at: new Date().toISOString(),
    })
    .where('id', '=', id)
    .returning(publicInterfaceColumns)
    .executeTakeFirst();
}

export async function deletePublicInterface(db: Queryable, id: string): Promise<boolean> {
  const result = await db.deleteFrom('public_interfaces').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Keys scoped to the interface; they are deleted with it (ON DELETE CASCADE). */
export async function countScopedKeys(db: Queryable, publicInterfaceId: string): Promise<number> {
  const row = await db
    .selectFrom('api_keys')
    .select((eb) => eb.fn.countAll<number>().as('keys'))
    .where('public_interface_id', '=', publicInterfaceId)
    .executeTakeFirstOrThrow();
  return Number(row.keys);
}

/**
 * Everything a public call needs, in one row per public interface. The gateway reads it
 * outside any user's RLS context; the OpenAPI procedure reads it as the user (RLS applies).
 */
export async function listRouteRows(db: Queryable, filter: { projectId?: string; routeHash?: string }) {
  let query = db
    .selectFrom('public_interfaces as pi')
    .innerJoin('service_interfaces as si', 'si.id', 'pi.service_interface_id')
    .innerJoin('workflows as w', 'w.id', 'si.workflow_id')
    .innerJoin('projects as p', 'p.id', 'pi.project_id')
    .select([
      'pi.id',
      'pi.project_id',
      'pi.method',
      'pi.path',
      'pi.route_hash',
      'pi.rate_limit_per_minute',
      'pi.enabled',
      'pi.description',
      'pi.created_at',
      'p.slug as project_slug',
      'p.name as project_name',
      'p.temporal_namespace',
      'si.id as service_interface_id',
      'si.name as interface_name',
      'si.display_name as interface_display_name',
      'si.description as interface_description',
      'si.type',
      'si.callable_name',
      'si.input_schema',
      'si.output_schema',
      'w.id as service_id',
      'w.name as service_name',
      'w.display_name as service_display_name',
      'w.workflow_type',
      'w.task_queue',
      'w.workflow_id_mode',
      'w.fixed_workflow_id',
      'w.workflow_id_param',
    ])
    .orderBy('pi.created_at', 'asc')
    .orderBy('pi.id', 'asc');
  if (filter.projectId) query = query.where('pi.project_id', '=', filter.projectId);
  if (filter.routeHash) query = query.where('pi.route_hash', '=', filter.routeHash);
  return query.execute();
}

export type RouteRow = Awaited<ReturnType<typeof listRouteRows>>[number];
export type PublicInterfaceRow = NonNullable<Awaited<ReturnType<typeof findPublicInterface>>>;
