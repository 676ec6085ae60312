import { randomUUID } from 'node:crypto';
import type { Database } from '@wfb/core/db/driver.js';
import type { MemberRole } from '@wfb/core/db/schema.js';
import { AppError, fromDatabaseError } from '@wfb/core/errors.js';
import type { AuthUser } from '../../auth/jwt.js';
import { type Tx, withUserTransaction } from '../../db/tx.js';
import { adminRoles, readRoles, requireRole, writeRoles } from '../projects/project-access.js';
import { findMemberRole, findProject } from '../projects/projects.store.js';
import { connectorState, toConnectorView } from './project-connector-view.js';
import * as store from './project-connectors.store.js';

/**
 * Project connectors: a source project asks to call some interfaces of a target project's
 * service; an admin of the target approves (at once when the requester is admin of both);
 * either side revokes; the target narrows; the source deletes. A requester who is no member
 * of the target gets the same answer whether the target exists or not: a pending request
 * that echoes what they typed. The endpoint controller (src/nexus/) provisions the rest.
 */
export interface ConnectorPingReport {
  ok: boolean;
  /** Control plane → caller workflow → Nexus → handler and back. */
  latencyMs: number;
  /** The Nexus call alone, as the caller workflow measured it. */
  nexusLatencyMs: number | null;
  error: { kind: string; reason: string; message: string } | null;
}

export interface ConnectorPinger {
  ping(target: { namespace: string; connectorName: string; connectorId: string }): Promise<ConnectorPingReport>;
}

export interface CreateProjectConnectorInput {
  projectId: string;
  name: string;
  description?: string | undefined;
  target: { projectSlug: string; serviceName: string; interfaces: string[] };
}

type Side = 'source' | 'target';

const unique = (names: readonly string[]) => [...new Set(names)];

export interface ProjectConnectorServiceDeps {
  database?: Pick<Database, 'db'>;
  pinger?: ConnectorPinger | undefined;
}

export function createProjectConnectorService(deps: ProjectConnectorServiceDeps = {}) {
  async function load(tx: Tx, id: string) {
    const row = await store.findProjectConnector(tx, id);
    if (!row) throw new AppError('NOT_FOUND', 'project connector not found');
    return row;
  }

  /** The caller's roles on each side; the target side is the requested project until approval. */
  async function sidesOf(tx: Tx, user: AuthUser, row: store.ProjectConnectorRow) {
    const source = await findMemberRole(tx, row.project_id, user.id);
    const targetId = row.approved_at
      ? row.target_project_id
      : ((await store.findMemberProjectBySlug(tx, row.requested_project_slug))?.id ?? null);
    const target = targetId ? await findMemberRole(tx, targetId, user.id) : undefined;
    return { source, target, targetId };
  }

  const isWriter = (role: MemberRole | undefined) => role !== undefined && writeRoles.includes(role);
  const isAdmin = (role: MemberRole | undefined) => role !== undefined && adminRoles.includes(role);

  async function approveRow(
    tx: Tx,
    user: AuthUser,
    row: store.ProjectConnectorRow,
    targetProjectId: string,
    allowed: readonly string[],
  ) {
    const service = await store.findServiceByName(tx, targetProjectId, row.requested_service_name);
    if (!service) {
      throw new AppError(
        'BAD_REQUEST',
        `project "${row.requested_project_slug}" has no service named "${row.requested_service_name}"`,
        {
          details: { field: 'target.serviceName' },
        },
      );
    }
    const notRequested = allowed.filter((name) => !row.requested_interfaces.includes(name));
    if (notRequested.length > 0) {
      throw new AppError('BAD_REQUEST', `not requested: ${notRequested.join(', ')}`, {
        details: { field: 'allowedInterfaces', notRequested },
      });
    }
    const existing = new Set(await store.listInterfaceNames(tx, service.id));
    const missing = allowed.filter((name) => !existing.has(name));
    if (missing.length > 0) {
      throw new AppError('BAD_REQUEST', `service "${service.name}" has no interface ${missing.join(', ')}`, {
        details: { field: 'allowedInterfaces', missing },
      });
    }
    return store.approveConnector(tx, row.id, {
      targetProjectId,
      targetServiceId: service.id,
      allowedInterfaces: unique(allowed),
      userId: user.id,
    });
  }

  function requireLive(row: store.ProjectConnectorRow, action: string) {
    const state = connectorState(row);
    if (state === 'deleted' || state === 'revoked') {
      throw new AppError('PRECONDITION_FAILED', `cannot ${action}: the connector is ${state}`, { details: { state } });
    }
    return state;
  }

  return {
    async create(tx: Tx, user: AuthUser, input: CreateProjectConnectorInput) {
      await requireRole(tx, input.projectId, user.id, writeRoles);
      let row: store.ProjectConnectorRow;
      try {
        row = await store.insertProjectConnector(tx, {
          id: randomUUID(),
          projectId: input.projectId,
          name: input.name,
          description: input.description ?? '',
          requestedProjectSlug: input.target.projectSlug,
          requestedServiceName: input.target.serviceName,
          requestedInterfaces: unique(input.target.interfaces),
          createdBy: user.id,
        });
      } catch (error) {
        throw fromDatabaseError(error, `this project already has a connector named "${input.name}"`);
      }
      // Admin of both sides: approved in the same transaction. Anyone else gets the pending
      // request back, whatever exists on the other side.
      const target = await store.findMemberProjectBySlug(tx, input.target.projectSlug);
      if (target && isAdmin(await findMemberRole(tx, target.id, user.id))) {
        row = await approveRow(tx, user, row, target.id, row.requested_interfaces);
      }
      return toConnectorView(row);
    },

    async list(
      tx: Tx,
      user: AuthUser,
      input: { projectId: string; direction?: 'outgoing' | 'incoming' | 'all'; includeDeleted?: boolean },
    ) {
      await requireRole(tx, input.projectId, user.id, readRoles);
      const direction = input.direction ?? 'all';
      const includeDeleted = input.includeDeleted ?? false;
      const project = await findProject(tx, input.projectId);
      if (!project) throw new AppError('NOT_FOUND', 'project not found');
      const outgoing = direction === 'incoming' ? [] : await store.listOutgoing(tx, project.id, includeDeleted);
      const incoming =
        direction === 'outgoing' ? [] : await store.listIncoming(tx, project.id, project.slug, includeDeleted);
      return {
        outgoing: outgoing.map(toConnectorView),
        incoming: incoming.map(toConnectorView),
      };
    },

    async get(tx: Tx, _user: AuthUser, id: string) {
      return toConnectorView(await load(tx, id));
    },

    async approve(tx: Tx, user: AuthUser, input: { id: string; allowedInterfaces?: string[] | undefined }) {
      const row = await load(tx, input.id);
      const state = requireLive(row, 'approve');
      if (state !== 'pending_approval') {
        throw new AppError('PRECONDITION_FAILED', 'the connector is already approved', { details: { state } });
      }
      const sides = await sidesOf(tx, user, row);
      if (!sides.targetId || !isAdmin(sides.target)) {
        throw new AppError('FORBIDDEN', 'only an owner or admin of the requested project approves a connector');
      }
      return toConnectorView(
        await approveRow(tx, user, row, sides.targetId, input.allowedInterfaces ?? row.requested_interfaces),
      );
    },

    async revoke(tx: Tx, user: AuthUser, id: string) {
      const row = await load(tx, id);
      requireLive(row, 'revoke');
      const sides = await sidesOf(tx, user, row);
      const side: Side | undefined = isWriter(sides.source) ? 'source' : isAdmin(sides.target) ? 'target' : undefined;
      if (!side) {
        throw new AppError('FORBIDDEN', 'revoking needs a writer of the source project or an admin of the target');
      }
      return toConnectorView(await store.revokeConnector(tx, row.id, user.id, side));
    },

    async update(
      tx: Tx,
      user: AuthUser,
      input: { id: string; description?: string | undefined; allowedInterfaces?: string[] | undefined },
    ) {
      const row = await load(tx, input.id);
      const state = requireLive(row, 'change');
      const sides = await sidesOf(tx, user, row);
      if (input.description !== undefined && !isWriter(sides.source)) {
        throw new AppError('FORBIDDEN', 'only the source project changes the description');
      }
      let allowed: string[] | undefined;
      if (input.allowedInterfaces !== undefined) {
        if (!isAdmin(sides.target)) {
          throw new AppError('FORBIDDEN', 'only an owner or admin of the target project changes allowed interfaces');
        }
        if (state !== 'active') {
          throw new AppError('PRECONDITION_FAILED', `the connector is ${state}`, { details: { state } });
        }
        allowed = unique(input.allowedInterfaces);
        const widened = allowed.filter((name) => !row.allowed_interfaces.includes(name));
        if (widened.length > 0) {
          throw new AppError(
            'BAD_REQUEST',
            `allowed interfaces can only be narrowed; not allowed now: ${widened.join(', ')}`,
            {
              details: { field: 'allowedInterfaces', widened },
            },
          );
        }
      }
      return toConnectorView(
        await store.updateConnector(tx, row.id, {
          ...(input.description !== undefined && { description: input.description }),
          ...(allowed !== undefined && { allowedInterfaces: allowed }),
        }),
      );
    },

    /** Marks the connector deleted: it stays as a tombstone until the controller purges it. */
    async remove(tx: Tx, user: AuthUser, id: string) {
      const row = await load(tx, id);
      if (row.deleted_at) return { id: row.id, deleted: true as const };
      const sides = await sidesOf(tx, user, row);
      if (!isWriter(sides.source)) throw new AppError('FORBIDDEN', 'only the source project deletes a connector');
      await store.markConnectorDeleted(tx, row.id, user.id);
      return { id: row.id, deleted: true as const };
    },

    /**
     * Pings the target through the real endpoint from a built-in workflow in the source
     * namespace. The row is read in a short RLS transaction; the Temporal round trip holds
     * no database connection.
     */
    async test(user: AuthUser, id: string): Promise<ConnectorPingReport> {
      const database = deps.database;
      if (!database) throw new Error('projectConnectors.test needs the database');
      const target = await withUserTransaction(database.db, user.claims, async (tx) => {
        const row = await store.findConnectorSource(tx, id);
        if (!row) throw new AppError('NOT_FOUND', 'project connector not found');
        await requireRole(tx, row.project_id, user.id, writeRoles);
        return { connectorId: row.id, connectorName: row.name, namespace: row.temporal_namespace };
      });
      if (!deps.pinger) {
        throw new AppError('UNAVAILABLE', 'Temporal is not configured on this server', { retryAfterSeconds: 5 });
      }
      return deps.pinger.ping(target);
    },
  };
}

export type ProjectConnectorService = ReturnType<typeof createProjectConnectorService>;
