import type { ServiceInterfaceType } from '@wfb/core/db/schema.services.js';
import type { Queryable } from '../../db/tx.js';

const interfaceColumns = [
  'id',
  'project_id',
  'workflow_id',
  'name',
  'display_name',
  'description',
  'type',
  'callable_name',
  'input_schema',
  'output_schema',
  'created_by',
  'created_at',
  'updated_at',
] as const;

/** jsonb parameters travel as JSON text; `null` clears the column. */
function jsonColumn(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value);
}

export interface NewServiceInterface {
  id: string;
  projectId: string;
  workflowId: string;
  name: string;
  displayName: string;
  description: string;
  type: ServiceInterfaceType;
  callableName: string | null;
  inputSchema: unknown;
  outputSchema: unknown;
  createdBy: string;
}

export async function insertServiceInterface(db: Queryable, row: NewServiceInterface) {
  return db
    .insertInto('service_interfaces')
    .values({
      id: row.id,
      project_id: row.projectId,
      workflow_id: row.workflowId,
      name: row.name,
      display_name: row.displayName,
      description: row.description,
      type: row.type,
      callable_name: row.callableName,
      input_schema: jsonColumn(row.inputSchema),
      output_schema: jsonColumn(row.outputSchema),
      created_by: row.createdBy,
    })
    .returning(interfaceColumns)
    .executeTakeFirstOrThrow();
}

export async function findServiceInterface(db: Queryable, id: string) {
  return db.selectFrom('service_interfaces').select(interfaceColumns).where('id', '=', id).executeTakeFirst();
}

export async function listServiceInterfaces(db: Queryable, projectId: string, workflowId?: string) {
  let query = db
    .selectFrom('service_interfaces')
    .select(interfaceColumns)
    .where('project_id', '=', projectId)
    .orderBy('workflow_id', 'asc')
    .orderBy('name', 'asc');
  if (workflowId) query = query.where('workflow_id', '=', workflowId);
  return query.execute();
}

export async function updateServiceInterface(
  db: Queryable,
  id: string,
  changes: {
    displayName?: string;
    description?: string;
    callableName?: string;
    inputSchema?: unknown;
    outputSchema?: unknown;
  },
) {
  return db
    .updateTable('service_interfaces')
    .set({
      ...(changes.displayName !== undefined && { display_name: changes.displayName }),
      ...(changes.description !== undefined && { description: changes.description }),
      ...(changes.callableName !== undefined && { callable_name: changes.callableName }),
      ...(changes.inputSchema !== undefined && { input_schema: jsonColumn(changes.inputSchema) }),
      ...(changes.outputSchema !== undefined && { output_schema: jsonColumn(changes.outputSchema) }),
      updated_at: new Date().toISOString(),
    })
    .where('id', '=', id)
    .returning(interfaceColumns)
    .executeTakeFirst();
}

export async function deleteServiceInterface(db: Queryable, id: string): Promise<boolean> {
  const result = await db.deleteFrom('service_interfaces').where('id', '=', id).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function countPublicInterfaces(db: Queryable, serviceInterfaceId: string): Promise<number> {
  const row = await db
    .selectFrom('public_interfaces')
    .select((eb) => eb.fn.countAll<number>().as('routes'))
    .where('service_interface_id', '=', serviceInterfaceId)
    .executeTakeFirstOrThrow();
  return Number(row.routes);
}

export type ServiceInterfaceRow = NonNullable<Awaited<ReturnType<typeof findServiceInterface>>>;
