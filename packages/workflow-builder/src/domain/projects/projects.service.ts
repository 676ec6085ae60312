import { randomUUID } from 'node:crypto';
import type { Database } from '@wfb/core/db/driver.js';
import type { MemberRole } from '@wfb/core/db/schema.js';
import { AppError, fromDatabaseError } from '@wfb/core/errors.js';
import type { AuthUser } from '../../auth/jwt.js';
import { type Tx, withUserTransaction } from '../../db/tx.js';
import { createEntityAudit, userActor } from '../audit/entity-audit.js';
import { adminRoles, ownerRoles, readRoles, requireRole } from './project-access.js';
import * as store from './projects.store.js';

/** Registers a project's Temporal namespace where this deployment manages them. */
export interface NamespaceRegistrar {
  ensureNamespace(namespace: string, options?: { adopt?: boolean }): Promise<void>;
}

export interface ProjectServiceDeps {
  database?: Pick<Database, 'db'>;
  namespaces?: NamespaceRegistrar | undefined;
  /** A project's namespace is `<prefix><slug>` unless the operator allow-listed a name. */
  namespacePrefix?: string;
  allowedNamespaces?: readonly string[];
}

/** Temporal's own namespace: never a tenant's, whatever the configuration says. */
const reservedNamespaces = new Set(['temporal-system']);

type CreateProjectInput = { slug: string; name: string; temporalNamespace?: string | undefined };

const auditProject = createEntityAudit('project', () => ({}));
const auditMembership = createEntityAudit('project_member', () => ({}));

export function createProjectService(deps: ProjectServiceDeps = {}) {
  const prefix = deps.namespacePrefix ?? 'wfb-';
  const allowed = new Set(deps.allowedNamespaces ?? []);

  /**
   * Users never pick an arbitrary namespace: on a shared Temporal cluster that would hand
   * them another system's workflows. They get `<prefix><slug>`, or an existing namespace
   * the operator listed in TEMPORAL_ALLOWED_NAMESPACES.
   */
  function namespaceFor(input: CreateProjectInput): string {
    const requested = input.temporalNamespace;
    const namespace = requested ?? `${prefix}${input.slug}`;
    if (reservedNamespaces.has(namespace)) {
      throw new AppError('BAD_REQUEST', `Temporal namespace "${namespace}" is reserved`, {
        details: { field: 'temporalNamespace' },
      });
    }
    if (requested !== undefined && requested !== `${prefix}${input.slug}` && !allowed.has(requested)) {
      throw new AppError(
        'BAD_REQUEST',
        `Temporal namespace "${requested}" is not in TEMPORAL_ALLOWED_NAMESPACES; leave it out to use "${prefix}${input.slug}"`,
        { details: { field: 'temporalNamespace' } },
      );
    }
    return namespace;
  }

  async function get(tx: Tx, user: AuthUser, projectId: string) {
    const role = await requireRole(tx, projectId, user.id, readRoles);
    const project = await store.findProject(tx, projectId);
    if (!project) throw new AppError('NOT_FOUND', 'project not found');
    return { ...project, role };
  }

  /** The rows only, inside the caller's transaction; the namespace must already exist. */
  async function create(tx: Tx, user: AuthUser, input: CreateProjectInput) {
    const id = randomUUID();
    const temporalNamespace = namespaceFor(input);
    try {
      await store.insertProject(tx, {
        id,
        slug: input.slug,
        name: input.name,
        temporalNamespace,
        createdBy: user.id,
      });
    } catch (error) {
      throw fromDatabaseError(error, `a project with slug "${input.slug}" or namespace "${temporalNamespace}" exists`);
    }
    await store.insertMember(tx, { projectId: id, userId: user.id, role: 'owner' });
    await auditProject(tx, userActor(user), { id, project_id: id }, 'project.created', {
      slug: input.slug,
      temporalNamespace,
    });
    return get(tx, user, id);
  }

  return {
    create,

    /**
     * What `projects.create` does: register the namespace first, outside any transaction
     * (a Temporal call must not hold a database connection; registering twice is
     * harmless), then write the rows in one RLS transaction.
     */
    async createWithNamespace(user: AuthUser, input: CreateProjectInput) {
      const database = deps.database;
      if (!database) throw new Error('createWithNamespace needs the database');
      const temporalNamespace = namespaceFor(input);
      await deps.namespaces?.ensureNamespace(temporalNamespace, { adopt: allowed.has(temporalNamespace) });
      return withUserTransaction(database.db, user.claims, (tx) => create(tx, user, input));
    },

    async list(tx: Tx, user: AuthUser) {
      return store.listProjectsOfUser(tx, user.id);
    },

    get,

    async rename(tx: Tx, user: AuthUser, projectId: string, name: string) {
      await requireRole(tx, projectId, user.id, adminRoles);
      const project = await store.updateProjectName(tx, projectId, name);
      if (!project) throw new AppError('NOT_FOUND', 'project not found');
      await auditProject(tx, userActor(user), { id: projectId, project_id: projectId }, 'project.renamed', { name });
      return project;
    },

    async remove(tx: Tx, user: AuthUser, projectId: string) {
      await requireRole(tx, projectId, user.id, ownerRoles);
      if (!(await store.deleteProject(tx, projectId))) throw new AppError('NOT_FOUND', 'project not found');
      await auditProject(tx, userActor(user), { id: projectId, project_id: projectId }, 'project.deleted');
      return { id: projectId, deleted: true as const };
    },

    async listMembers(tx: Tx, user: AuthUser, projectId: string) {
      await requireRole(tx, projectId, user.id, readRoles);
      return store.listMembers(tx, projectId);
    },

    async addMember(tx: Tx, user: AuthUser, input: { projectId: string; userId: string; role: MemberRole }) {
      const myRole = await requireRole(tx, input.projectId, user.id, adminRoles);
      if (input.role === 'owner' && myRole !== 'owner') throw new AppError('FORBIDDEN', 'only owners can add owners');
      try {
        await store.insertMember(tx, input);
      } catch (error) {
        throw fromDatabaseError(error, 'that user is already a member of this project');
      }
      await auditMember(tx, user, input.projectId, 'member.added', input.userId, { role: input.role });
      return { userId: input.userId, role: input.role };
    },

    async changeMemberRole(tx: Tx, user: AuthUser, input: { projectId: string; userId: string; role: MemberRole }) {
      const myRole = await requireRole(tx, input.projectId, user.id, adminRoles);
      const current = await store.findMemberRole(tx, input.projectId, input.userId);
      if (!current) throw new AppError('NOT_FOUND', 'member not found');
      if ((current === 'owner' || input.role === 'owner') && myRole !== 'owner') {
        throw new AppError('FORBIDDEN', 'only owners can grant or take away the owner role');
      }
      // Nothing changes, so nothing is written or audited (the audit trigger records real changes only).
      if (current === input.role) return { userId: input.userId, role: input.role };
      if (current === 'owner' && input.role !== 'owner') await ensureAnotherOwner(tx, input.projectId);
      await store.updateMemberRole(tx, input.projectId, input.userId, input.role);
      await auditMember(tx, user, input.projectId, 'member.role_changed', input.userId, {
        from: current,
        to: input.role,
      });
      return { userId: input.userId, role: input.role };
    },

    async removeMember(tx: Tx, user: AuthUser, input: { projectId: string; userId: string }) {
      const myRole = await requireRole(tx, input.projectId, user.id, adminRoles);
      const current = await store.findMemberRole(tx, input.projectId, input.userId);
      if (!current) throw new AppError('NOT_FOUND', 'member not found');
      if (current === 'owner') {
        if (myRole !== 'owner') throw new AppError('FORBIDDEN', 'only owners can remove an owner');
        await ensureAnotherOwner(tx, input.projectId);
      }
      await store.deleteMember(tx, input.projectId, input.userId);
      await auditMember(tx, user, input.projectId, 'member.removed', input.userId, { role: current });
      return { userId: input.userId, removed: true as const };
    },
  };
}

async function ensureAnotherOwner(tx: Tx, projectId: string) {
  if ((await store.countOwnersLocked(tx, projectId)) <= 1) {
    throw new AppError('PRECONDITION_FAILED', 'a project must keep at least one owner');
  }
}

async function auditMember(
  tx: Tx,
  user: AuthUser,
  projectId: string,
  action: string,
  memberId: string,
  metadata: Record<string, unknown>,
) {
  await auditMembership(tx, userActor(user), { id: memberId, project_id: projectId }, action, metadata);
}

export type ProjectService = ReturnType<typeof createProjectService>;
