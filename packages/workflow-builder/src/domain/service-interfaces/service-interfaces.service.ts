import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { ServiceInterfaceType } from '@wfb/core/db/schema.services.js';
import { AppError, fromDatabaseError } from '@wfb/core/errors.js';
import type { SchemaCompiler } from '@wfb/core/interfaces/json-schema.js';
import type { AuthUser } from '../../auth/jwt.js';
import type { Tx } from '../../db/tx.js';
import { createEntityAudit, userActor } from '../audit/entity-audit.js';
import { readRoles, requireRole, writeRoles } from '../projects/project-access.js';
import { requirePublisherRole } from '../workflows/publish-guard.js';
import { findWorkflow } from '../workflows/workflows.store.js';
import * as store from './service-interfaces.store.js';

/**
 * A service's callable surface: a signal, query or update (by its name in the workflow) or a
 * start of the service's workflow type, each with optional input and output JSON Schemas.
 * Schemas are refused on save with the reason, so nothing invalid ever reaches the gateway.
 */
function toView(row: store.ServiceInterfaceRow) {
  return {
    id: row.id,
    projectId: row.project_id,
    serviceId: row.workflow_id,
    name: row.name,
    displayName: row.display_name,
    description: row.description,
    type: row.type,
    callableName: row.callable_name,
    inputSchema: row.input_schema ?? null,
    outputSchema: row.output_schema ?? null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export type ServiceInterfaceView = ReturnType<typeof toView>;

export interface CreateServiceInterfaceInput {
  serviceId: string;
  name: string;
  displayName?: string | undefined;
  description?: string | undefined;
  type: ServiceInterfaceType;
  callableName?: string | undefined;
  inputSchema?: unknown;
  outputSchema?: unknown;
}

export interface UpdateServiceInterfaceInput {
  id: string;
  displayName?: string | undefined;
  description?: string | undefined;
  callableName?: string | undefined;
  /** `null` removes the schema; absent leaves it as it is. */
  inputSchema?: unknown;
  outputSchema?: unknown;
}

export function createServiceInterfaceService(deps: { schemas: SchemaCompiler }) {
  function ensureSchema(field: 'inputSchema' | 'outputSchema', schema: unknown) {
    if (schema === undefined || schema === null) return;
    const check = deps.schemas.check(schema);
    if (!check.ok) {
      throw new AppError('BAD_REQUEST', `${field}: ${check.reason}`, {
        details: { field, reason: check.reason, ...(check.path !== undefined && { path: check.path }) },
      });
    }
  }

  async function loadOwned(tx: Tx, user: AuthUser, id: string, roles: typeof readRoles) {
    const row = await store.findServiceInterface(tx, id);
    if (!row) throw new AppError('NOT_FOUND', 'service interface not found');
    const role = await requireRole(tx, row.project_id, user.id, roles);
    return { row, role };
  }

  /** Whether an update changes what a published route of this interface runs or accepts. */
  function changesContract(before: store.ServiceInterfaceRow, input: UpdateServiceInterfaceInput): boolean {
    // jsonb does not keep key order, so schemas are compared as values, not as text.
    const differs = (next: unknown, current: unknown) =>
      next !== undefined && !isDeepStrictEqual(next, current ?? null);
    return (
      (input.callableName !== undefined && input.callableName !== before.callable_name) ||
      differs(input.inputSchema, before.input_schema) ||
      differs(input.outputSchema, before.output_schema)
    );
  }

  const audit = createEntityAudit('service_interface', (row: store.ServiceInterfaceRow) => ({
    name: row.name,
    type: row.type,
    serviceId: row.workflow_id,
  }));

  return {
    async create(tx: Tx, user: AuthUser, input: CreateServiceInterfaceInput) {
      const service = await findWorkflow(tx, input.serviceId);
      if (!service) throw new AppError('NOT_FOUND', 'service not found');
      await requireRole(tx, service.project_id, user.id, writeRoles);
      if (input.type === 'start' && input.callableName !== undefined) {
        throw new AppError('BAD_REQUEST', "a start interface starts the service's workflow type; omit callableName", {
          details: { field: 'callableName' },
        });
      }
      if (input.type !== 'start' && !input.callableName) {
        throw new AppError('BAD_REQUEST', `a ${input.type} interface needs the ${input.type} name as callableName`, {
          details: { field: 'callableName' },
        });
      }
      ensureSchema('inputSchema', input.inputSchema);
      ensureSchema('outputSchema', input.outputSchema);
      let row: store.ServiceInterfaceRow;
      try {
        row = await store.insertServiceInterface(tx, {
          id: randomUUID(),
          projectId: service.project_id,
          workflowId: service.id,
          name: input.name,
          displayName: input.displayName ?? input.name,
          description: input.description ?? '',
          type: input.type,
          callableName: input.type === 'start' ? null : (input.callableName ?? null),
          inputSchema: input.inputSchema ?? null,
          outputSchema: input.outputSchema ?? null,
          createdBy: user.id,
        });
      } catch (error) {
        throw fromDatabaseError(error, `service "${service.name}" already has an interface named "${input.name}"`);
      }
      await audit(tx, userActor(user), row, 'service_interface.created', { callableName: row.callable_name });
      return toView(row);
    },

    async list(tx: Tx, user: AuthUser, input: { projectId: string; serviceId?: string | undefined }) {
      await requireRole(tx, input.projectId, user.id, readRoles);
      return (await store.listServiceInterfaces(tx, input.projectId, input.serviceId)).map(toView);
    },

    async get(tx: Tx, user: AuthUser, id: string) {
      return toView((await loadOwned(tx, user, id, readRoles)).row);
    },

    async update(tx: Tx, user: AuthUser, input: UpdateServiceInterfaceInput) {
      const { row: before, role } = await loadOwned(tx, user, input.id, writeRoles);
      if (before.type === 'start' && input.callableName !== undefined) {
        throw new AppError('BAD_REQUEST', 'a start interface has no callableName', {
          details: { field: 'callableName' },
        });
      }
      ensureSchema('inputSchema', input.inputSchema);
      ensureSchema('outputSchema', input.outputSchema);
      if (changesContract(before, input)) {
        const publicInterfaces = await store.countPublicInterfaces(tx, before.id);
        requirePublisherRole(role, publicInterfaces, 'changing the callable name or schemas of this interface');
      }
      const row = await store.updateServiceInterface(tx, before.id, {
        ...(input.displayName !== undefined && { displayName: input.displayName }),
        ...(input.description !== undefined && { description: input.description }),
        ...(input.callableName !== undefined && { callableName: input.callableName }),
        ...(input.inputSchema !== undefined && { inputSchema: input.inputSchema }),
        ...(input.outputSchema !== undefined && { outputSchema: input.outputSchema }),
      });
      if (!row) throw new AppError('NOT_FOUND', 'service interface not found');
      const changed = Object.keys(input).filter((field) => field !== 'id');
      await audit(tx, userActor(user), row, 'service_interface.updated', { changed });
      return toView(row);
    },

    async remove(tx: Tx, user: AuthUser, id: string) {
      const { row, role } = await loadOwned(tx, user, id, writeRoles);
      const publicInterfaces = await store.countPublicInterfaces(tx, row.id);
      requirePublisherRole(role, publicInterfaces, 'deleting this interface');
      if (!(await store.deleteServiceInterface(tx, row.id))) {
        throw new AppError('NOT_FOUND', 'service interface not found');
      }
      await audit(tx, userActor(user), row, 'service_interface.deleted', { publicInterfaces });
      return { id: row.id, deleted: true as const };
    },
  };
}

export type ServiceInterfaceService = ReturnType<typeof createServiceInterfaceService>;
