import { randomUUID } from 'node:crypto';
import type { HttpMethod } from '@wfb/core/db/schema.services.js';
import { AppError, fromDatabaseError } from '@wfb/core/errors.js';
import type { AuthUser } from '../../auth/jwt.js';
import type { Tx } from '../../db/tx.js';
import { createEntityAudit, userActor } from '../audit/entity-audit.js';
import { adminRoles, readRoles, requireRole } from '../projects/project-access.js';
import { findProject } from '../projects/projects.store.js';
import { findServiceInterface } from '../service-interfaces/service-interfaces.store.js';
import { findWorkflow } from '../workflows/workflows.store.js';
import { type KongStatusView, kongStatusesFor } from './kong-status.store.js';
import { buildOpenApiDocument } from './openapi-document.js';
import { checkRoute, publicUrl } from './public-interface-rules.js';
import * as store from './public-interfaces.store.js';
import { defaultRouteHash, type RouteHashFunction, routeHashPattern } from './route-hash.js';

/**
 * Publishing a service interface as `METHOD /api/v1/<route hash>/<path>`. Publishing is an
 * admin decision (RLS agrees). The hash is allocated once: on a unique-index collision the
 * next attempt's hash is tried, inside the same transaction (ON CONFLICT DO NOTHING leaves it
 * usable, and sees other tenants' hashes that RLS hides from a SELECT).
 */
export interface PublicInterfaceServiceDeps {
  publicBaseUrl: string;
  /** The Kong controller runs (KONG_ADMIN_URL): views carry each interface's sync status, else `kong: null`. */
  kongSync?: boolean;
  routeHash?: RouteHashFunction;
  maxHashAttempts?: number;
}

export interface CreatePublicInterfaceInput {
  serviceInterfaceId: string;
  method: HttpMethod;
  path: string;
  rateLimitPerMinute?: number | null | undefined;
  enabled?: boolean | undefined;
  description?: string | undefined;
}

export interface UpdatePublicInterfaceInput {
  id: string;
  method?: HttpMethod | undefined;
  path?: string | undefined;
  rateLimitPerMinute?: number | null | undefined;
  enabled?: boolean | undefined;
  description?: string | undefined;
}

/** An interface the controller has not reported on yet. */
const pendingKongStatus: KongStatusView = {
  status: 'pending',
  kongRouteId: null,
  kongPluginIds: [],
  lastError: null,
  lastSyncedAt: null,
};

export function createPublicInterfaceService(deps: PublicInterfaceServiceDeps) {
  const routeHash = deps.routeHash ?? defaultRouteHash;
  const maxHashAttempts = deps.maxHashAttempts ?? 5;

  function toView(row: store.PublicInterfaceRow) {
    return {
      id: row.id,
      projectId: row.project_id,
      serviceInterfaceId: row.service_interface_id,
      method: row.method,
      path: row.path,
      routeHash: row.route_hash,
      url: publicUrl(deps.publicBaseUrl, row.route_hash, row.path),
      auth: row.auth,
      rateLimitPerMinute: row.rate_limit_per_minute,
      enabled: row.enabled,
      description: row.description,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  type View = ReturnType<typeof toView>;

  /** Adds the Kong sync status, read in the caller's transaction (RLS: their projects only). */
  async function withKong<T extends View>(tx: Tx, views: T[]) {
    if (!deps.kongSync) return views.map((view) => ({ ...view, kong: null }));
    const statuses = await kongStatusesFor(
      tx,
      views.map((view) => view.id),
    );
    return views.map((view) => ({ ...view, kong: statuses.get(view.id) ?? pendingKongStatus }));
  }

  async function oneWithKong(tx: Tx, view: View) {
    const [withStatus] = await withKong(tx, [view]);
    if (!withStatus) throw new Error('a view went missing');
    return withStatus;
  }

  /** The interface and its service, with the caller's role checked on their project. */
  async function loadTarget(tx: Tx, user: AuthUser, serviceInterfaceId: string) {
    const serviceInterface = await findServiceInterface(tx, serviceInterfaceId);
    if (!serviceInterface) throw new AppError('NOT_FOUND', 'service interface not found');
    await requireRole(tx, serviceInterface.project_id, user.id, adminRoles);
    const service = await findWorkflow(tx, serviceInterface.workflow_id);
    if (!service) throw new AppError('NOT_FOUND', 'service not found');
    return {
      type: serviceInterface.type,
      workflowIdMode: service.workflow_id_mode,
      workflowIdParam: service.workflow_id_param,
      projectId: serviceInterface.project_id,
    };
  }

  async function loadOwned(tx: Tx, user: AuthUser, id: string, roles: typeof readRoles) {
    const row = await store.findPublicInterface(tx, id);
    if (!row) throw new AppError('NOT_FOUND', 'public interface not found');
    await requireRole(tx, row.project_id, user.id, roles);
    return row;
  }

  const audit = createEntityAudit('public_interface', (row: store.PublicInterfaceRow) => ({
    method: row.method,
    path: row.path,
    routeHash: row.route_hash,
  }));

  return {
    async create(tx: Tx, user: AuthUser, input: CreatePublicInterfaceInput) {
      const target = await loadTarget(tx, user, input.serviceInterfaceId);
      const template = checkRoute(target, input.method, input.path);
      const id = randomUUID();
      for (let attempt = 0; attempt < maxHashAttempts; attempt += 1) {
        const hash = routeHash({ projectId: target.projectId, publicInterfaceId: id, attempt });
        if (!routeHashPattern.test(hash)) throw new Error(`route hash function returned an invalid hash "${hash}"`);
        let row: store.PublicInterfaceRow | undefined;
        try {
          row = await store.insertPublicInterfaceUnlessHashTaken(tx, {
            id,
            projectId: target.projectId,
            serviceInterfaceId: input.serviceInterfaceId,
            method: input.method,
            path: template.path,
            routeHash: hash,
            rateLimitPerMinute: input.rateLimitPerMinute ?? null,
            enabled: input.enabled ?? true,
            description: input.description ?? '',
            createdBy: user.id,
          });
        } catch (error) {
          throw fromDatabaseError(error);
        }
        if (row) {
          await audit(tx, userActor(user), row, 'public_interface.created', { hashAttempts: attempt + 1 });
          return oneWithKong(tx, toView(row));
        }
      }
      throw new AppError('CONFLICT', `no free route hash after ${maxHashAttempts} attempts; try again`);
    },

    async list(tx: Tx, user: AuthUser, input: { projectId: string; serviceInterfaceId?: string | undefined }) {
      await requireRole(tx, input.projectId, user.id, readRoles);
      return withKong(
        tx,
        (await store.listPublicInterfaces(tx, input.projectId, input.serviceInterfaceId)).map(toView),
      );
    },

    async get(tx: Tx, user: AuthUser, id: string) {
      return oneWithKong(tx, toView(await loadOwned(tx, user, id, readRoles)));
    },

    async update(tx: Tx, user: AuthUser, input: UpdatePublicInterfaceInput) {
      const before = await loadOwned(tx, user, input.id, adminRoles);
      let path: string | undefined;
      if (input.method !== undefined || input.path !== undefined) {
        const target = await loadTarget(tx, user, before.service_interface_id);
        path = checkRoute(target, input.method ?? before.method, input.path ?? before.path).path;
      }
      const row = await store.updatePublicInterface(tx, before.id, {
        ...(input.method !== undefined && { method: input.method }),
        ...(path !== undefined && { path }),
        ...(input.rateLimitPerMinute !== undefined && { rateLimitPerMinute: input.rateLimitPerMinute }),
        ...(input.enabled !== undefined && { enabled: input.enabled }),
        ...(input.description !== undefined && { description: input.description }),
      });
      if (!row) throw new AppError('NOT_FOUND', 'public interface not found');
      await audit(tx, userActor(user), row, 'public_interface.updated', {
        changed: Object.keys(input).filter((field) => field !== 'id'),
      });
      return oneWithKong(tx, toView(row));
    },

    async remove(tx: Tx, user: AuthUser, id: string) {
      const row = await loadOwned(tx, user, id, adminRoles);
      const scopedKeysDeleted = await store.countScopedKeys(tx, row.id);
      if (!(await store.deletePublicInterface(tx, row.id)))
        throw new AppError('NOT_FOUND', 'public interface not found');
      await audit(tx, userActor(user), row, 'public_interface.deleted', { scopedKeysDeleted });
      return { id: row.id, deleted: true as const, scopedKeysDeleted };
    },

    /** The project's enabled public interfaces as an OpenAPI 3.1 document. */
    async openapi(tx: Tx, user: AuthUser, projectId: string) {
      await requireRole(tx, projectId, user.id, readRoles);
      const project = await findProject(tx, projectId);
      if (!project) throw new AppError('NOT_FOUND', 'project not found');
      const routes = (await store.listRouteRows(tx, { projectId })).filter((route) => route.enabled);
      return buildOpenApiDocument({ project, baseUrl: deps.publicBaseUrl, routes });
    },
  };
}

export type PublicInterfaceService = ReturnType<typeof createPublicInterfaceService>;
