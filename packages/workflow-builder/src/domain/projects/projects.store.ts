import type { MemberRole } from '@wfb/core/db/schema.js';
import type { Queryable } from '../../db/tx.js';

const projectColumns = ['id', 'slug', 'name', 'temporal_namespace', 'created_at', 'updated_at'] as const;

export async function insertProject(
  db: Queryable,
  project: { id: string; slug: string; name: string; temporalNamespace: string; createdBy: string },
): Promise<void> {
  // No RETURNING: the creator cannot see the row until their membership exists (RLS).
  await db
    .insertInto('projects')
    .values({
      id: project.id,
      slug: project.slug,
      name: project.name,
      temporal_namespace: project.temporalNamespace,
      created_by: project.createdBy,
    })
    .execute();
}

export async function findProject(db: Queryable, projectId: string) {
  return db.selectFrom('projects').select(projectColumns).where('id', '=', projectId).executeTakeFirst();
}

export async function listProjectsOfUser(db: Queryable, userId: string) {
  return db
    .selectFrom('projects')
    .innerJoin('project_members', 'project_members.project_id', 'projects.id')
    .select([
      'projects.id',
      'projects.slug',
      'projects.name',
      'projects.temporal_namespace',
      'projects.created_at',
      'projects.updated_at',
      'project_members.role',
    ])
    .where('project_members.user_id', '=', userId)
    .orderBy('projects.created_at', 'asc')
    .execute();
}

export async function updateProjectName(db: Queryable, projectId: string, name: string) {
  return db
    .updateTable('projects')
    .set({ name, updated_at: new Date() })
    .where('id', '=', projectId)
    .returning(projectColumns)
    .executeTakeFirst();
}

export async function deleteProject(db: Queryable, projectId: string): Promise<boolean> {
  const result = await db.deleteFrom('projects').where('id', '=', projectId).executeTakeFirst();
  return result.numDeletedRows > 0n;
}

export async function findMemberRole(
  db: Queryable,
  projectId: string,
  userId: string,
): Promise<MemberRole | undefined> {
  const row = await db
    .selectFrom('project_members')
    .select('role')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return row?.role;
}

export async function listMembers(db: Queryable, projectId: string) {
  return db
    .selectFrom('project_members')
    .select(['user_id', 'role', 'created_at'])
    .where('project_id', '=', projectId)
    .orderBy('created_at', 'asc')
    .execute();
}

export async function insertMember(db: Queryable, member: { projectId: string; userId: string; role: MemberRole }) {
  await db
    .insertInto('project_members')
    .values({ project_id: member.projectId, user_id: member.userId, role: member.role })
    .execute();
}

export async function updateMemberRole(db: Queryable, projectId: string, userId: string, role: MemberRole) {
  const result = await db
    .updateTable('project_members')
    .set({ role })
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function deleteMember(db: Queryable, projectId: string, userId: string) {
  const result = await db
    .deleteFrom('project_members')
    .where('project_id', '=', projectId)
    .where('user_id', '=', userId)
    .executeTakeFirst();
  return result.numDeletedRows > 0n;
}

/**
 * Counts owners while locking their rows, so two owners demoting each other at the same
 * time cannot both see "another owner remains" and leave the project with none.
 */
export async function countOwnersLocked(db: Queryable, projectId: string): Promise<number> {
  const owners = await db
    .selectFrom('project_members')
    .select('user_id')
    .where('project_id', '=', projectId)
    .where('role', '=', 'owner')
    .forUpdate()
    .execute();
  return owners.length;
}

/** The project that owns a Temporal namespace (unique per project): how the workers' egress binds a call. */
export async function findProjectByNamespace(db: Queryable, namespace: string) {
  return db
    .selectFrom('projects')
    .select(['id', 'slug', 'temporal_namespace'])
    .where('temporal_namespace', '=', namespace)
    .executeTakeFirst();
}
