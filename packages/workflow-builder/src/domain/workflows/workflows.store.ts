import type { WorkflowIdMode } from '@wfb/core/db/schema.services.js';
import type { Queryable } from '../../db/tx.js';

const workflowColumns = [
  'id',
  'project_id',
  'name',
  'display_name',
  'description',
  'workflow_type',
  'task_queue',
  'workflow_id_mode',
  'fixed_workflow_id',
  'workflow_id_param',
  'created_by',
  'created_at',
  'updated_at',
] as const;

export interface WorkflowFields {
  displayName: string;
  description: string;
  workflowType: string;
  taskQueue: string;
  workflowIdMode: WorkflowIdMode;
  fixedWorkflowId: string | null;
  workflowIdParam: string | null;
}

export async function insertWorkflow(
  db: Queryable,
  workflow: WorkflowFields & { id: string; projectId: string; name: string; createdBy: string },
) {
  return db
    .insertInto('workflows')
    .values({
      id: workflow.id,
      project_id: workflow.projectId,
      name: workflow.name,
      display_name: workflow.displayName,
      description: workflow.description,
      workflow_type: workflow.workflowType,
      task_queue: workflow.taskQueue,
      workflow_id_mode: workflow.workflowIdMode,
      fixed_workflow_id: workflow.fixedWorkflowId,
      workflow_id_param: workflow.workflowIdParam,
      created_by: workflow.createdBy,
    })
    .returning(workflowColumns)
    .executeTakeFirstOrThrow();
}

export async function findWorkflow(db: Queryable, workflowId: string) {
  return db.selectFrom('workflows').select(workflowColumns).where('id', '=', workflowId).executeTakeFirst();
}

export async function listWorkflows(db: Queryable, projectId: string) {
  return db
    .selectFrom('workflows')
    .select(workflowColumns)
    .where('project_id', '=', projectId)
    .orderBy('name', 'asc')
    .execute();
}

export async function updateWorkflow(db: Queryable, workflowId: string, changes: Partial<WorkflowFields>) {
  return db
    .updateTable('workflows')
    .set({
      ...(changes.displayName !== undefined && { display_name: changes.displayName }),
      ...(changes.description !== undefined && { description: changes.description }),
      ...(changes.workflowType !== undefined && { workflow_type: changes.workflowType }),
      ...(changes.taskQueue !== undefined && { task_queue: changes.taskQueue }),
      ...(changes.workflowIdMode !== undefined && { workflow_id_mode: changes.workflowIdMode }),
      ...(changes.fixedWorkflowId !== undefined && { fixed_workflow_id: changes.fixedWorkflowId }),
      ...(changes.workflowIdParam !== undefined && { workflow_id_param: changes.workflowIdParam }),
      updated_at: new Date().toISOString(),
    })
    .where('id', '=', workflowId)
    .returning(workflowColumns)
    .executeTakeFirst();
}

export async function deleteWorkflow(db: Queryable, workflowId: string): Promise<boolean> {
  const result = await db.deleteFrom('workflows').where('id', '=', workflowId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/** Public interfaces published from any of the service's interfaces. */
export async function countPublishedRoutes(db: Queryable, workflowId: string): Promise<number> {
  const row = await db
    .selectFrom('public_interfaces')
    .innerJoin('service_interfaces', 'service_interfaces.id', 'public_interfaces.service_interface_id')
    .select((eb) => eb.fn.countAll<number>().as('routes'))
    .where('service_interfaces.workflow_id', '=', workflowId)
    .executeTakeFirstOrThrow();
  return Number(row.routes);
}

export type WorkflowRow = NonNullable<Awaited<ReturnType<typeof findWorkflow>>>;
