import type { MemberRole } from '@wfb/core/db/schema.js';
import { AppError } from '@wfb/core/errors.js';
import type { Queryable } from '../../db/tx.js';
import { findMemberRole } from './projects.store.js';

export const readRoles: readonly MemberRole[] = ['owner', 'admin', 'member', 'viewer'];
export const writeRoles: readonly MemberRole[] = ['owner', 'admin', 'member'];
export const adminRoles: readonly MemberRole[] = ['owner', 'admin'];
export const ownerRoles: readonly MemberRole[] = ['owner'];

/**
 * The service-level check in front of RLS. A non-member gets NOT_FOUND, never FORBIDDEN,
 * so ids of other tenants' projects reveal nothing; a member without the role gets
 * FORBIDDEN, since they already know the project exists.
 */
export async function requireRole(
  db: Queryable,
  projectId: string,
  userId: string,
  allowed: readonly MemberRole[],
): Promise<MemberRole> {
  const role = await findMemberRole(db, projectId, userId);
  if (!role) throw new AppError('NOT_FOUND', 'project not found');
  if (!allowed.includes(role)) {
    throw new AppError('FORBIDDEN', `this needs one of the roles ${allowed.join(', ')}; you are ${role}`);
  }
  return role;
}
