import { randomUUID } from 'node:crypto';
import { AppError, fromDatabaseError } from '@wfb/core/errors.js';
import type { AuthUser } from '../../auth/jwt.js';
import type { Tx } from '../../db/tx.js';
import { createEntityAudit, userActor } from '../audit/entity-audit.js';
import { readRoles, requireRole, writeRoles } from '../projects/project-access.js';
import { requirePublisherRole } from './publish-guard.js';
import * as store from './workflows.store.js';

/**
 * Services: a project's Temporal workflow (type + task queue, in the project's namespace)
 * and how a public call finds the execution it talks to: one fixed workflow id (a singleton
 * entity) or a path parameter such as `{orderId}`.
 */
export type WorkflowIdSource = { mode: 'fixed'; workflowId: string } | { mode: 'path_param'; param: string };

function toView(row: store.WorkflowRow) {
  const workflowIdSource: WorkflowIdSource =
    row.workflow_id_mode === 'fixed'
      ? { mode: 'fixed', workflowId: row.fixed_workflow_id ?? '' }
      : { mode: 'path_param', param: row.workflow_id_param ?? '' };
  return {
    id: row.id,
    projectId: row.project_id,
    name: row.name,
    displayName: row.display_name,
    description: row.description,
    workflowType: row.workflow_type,
    taskQueue: row.task_queue,
    workflowIdSource,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export type WorkflowView = ReturnType<typeof toView>;

function idColumns(source: WorkflowIdSource) {
  return source.mode === 'fixed'
    ? { workflowIdMode: 'fixed' as const, fixedWorkflowId: source.workflowId, workflowIdParam: null }
    : { workflowIdMode: 'path_param' as const, fixedWorkflowId: null, workflowIdParam: source.param };
}

function sameSource(row: store.WorkflowRow, source: WorkflowIdSource): boolean {
  const columns = idColumns(source);
  return (
    row.workflow_id_mode === columns.workflowIdMode &&
    row.fixed_workflow_id === columns.fixedWorkflowId &&
    row.workflow_id_param === columns.workflowIdParam
  );
}

export interface CreateWorkflowInput {
  projectId: string;
  name: string;
  displayName?: string | undefined;
  description?: string | undefined;
  workflowType: string;
  taskQueue: string;
  workflowIdSource: WorkflowIdSource;
}

export interface UpdateWorkflowInput {
  id: string;
  displayName?: string | undefined;
  description?: string | undefined;
  workflowType?: string | undefined;
  taskQueue?: string | undefined;
  workflowIdSource?: WorkflowIdSource | undefined;
}

export function createWorkflowService() {
  const conflict = (name: string) => `a service named "${name}" already exists in this project`;

  async function loadOwned(tx: Tx, user: AuthUser, id: string, roles: typeof readRoles) {
    const row = await store.findWorkflow(tx, id);
    if (!row) throw new AppError('NOT_FOUND', 'service not found');
    const role = await requireRole(tx, row.project_id, user.id, roles);
    return { row, role };
  }

  const audit = createEntityAudit('service', (row: store.WorkflowRow) => ({ name: row.name }));

  return {
    async create(tx: Tx, user: AuthUser, input: CreateWorkflowInput) {
      await requireRole(tx, input.projectId, user.id, writeRoles);
      let row: store.WorkflowRow;
      try {
        row = await store.insertWorkflow(tx, {
          id: randomUUID(),
          projectId: input.projectId,
          name: input.name,
          displayName: input.displayName ?? input.name,
          description: input.description ?? '',
          workflowType: input.workflowType,
          taskQueue: input.taskQueue,
          ...idColumns(input.workflowIdSource),
          createdBy: user.id,
        });
      } catch (error) {
        throw fromDatabaseError(error, conflict(input.name));
      }
      await audit(tx, userActor(user), row, 'service.created', {
        workflowType: row.workflow_type,
        taskQueue: row.task_queue,
      });
      return toView(row);
    },

    async list(tx: Tx, user: AuthUser, projectId: string) {
      await requireRole(tx, projectId, user.id, readRoles);
      return (await store.listWorkflows(tx, projectId)).map(toView);
    },

    async get(tx: Tx, user: AuthUser, id: string) {
      return toView((await loadOwned(tx, user, id, readRoles)).row);
    },

    async update(tx: Tx, user: AuthUser, input: UpdateWorkflowInput) {
      const { row: before, role } = await loadOwned(tx, user, input.id, writeRoles);
      const source = input.workflowIdSource;
      const sourceChanges = source !== undefined && !sameSource(before, source);
      const retargets =
        (input.workflowType !== undefined && input.workflowType !== before.workflow_type) ||
        (input.taskQueue !== undefined && input.taskQueue !== before.task_queue);
      if (sourceChanges || retargets) {
        const publishedRoutes = await store.countPublishedRoutes(tx, before.id);
        requirePublisherRole(role, publishedRoutes, 'changing what this service runs');
        if (sourceChanges && publishedRoutes > 0) {
          throw new AppError(
            'PRECONDITION_FAILED',
            'the workflow id source cannot change while public interfaces use this service; delete them first',
          );
        }
      }
      const row = await store.updateWorkflow(tx, before.id, {
        ...(input.displayName !== undefined && { displayName: input.displayName }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.workflowType !== undefined && { workflowType: input.workflowType }),
        ...(input.taskQueue !== undefined && { taskQueue: input.taskQueue }),
        ...(source && idColumns(source)),
      });
      if (!row) throw new AppError('NOT_FOUND', 'service not found');
      const changed = Object.keys(input).filter((field) => field !== 'id');
      await audit(tx, userActor(user), row, 'service.updated', { changed });
      return toView(row);
    },

    async remove(tx: Tx, user: AuthUser, id: string) {
      const { row, role } = await loadOwned(tx, user, id, writeRoles);
      const publishedRoutes = await store.countPublishedRoutes(tx, row.id);
      requirePublisherRole(role, publishedRoutes, 'deleting this service');
      if (!(await store.deleteWorkflow(tx, row.id))) throw new AppError('NOT_FOUND', 'service not found');
      await audit(tx, userActor(user), row, 'service.deleted', { publishedRoutes });
      return { id: row.id, deleted: true as const };
    },
  };
}

export type WorkflowService = ReturnType<typeof createWorkflowService>;
