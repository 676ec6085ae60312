import type { MemberRole } from '@wfb/core/db/schema.js';
import { AppError } from '@wfb/core/errors.js';
import { adminRoles } from '../projects/project-access.js';

/**
 * Publishing is an admin decision, and what a published route runs is part of it: the
 * service's workflow type, task queue and workflow id source, the interface's callable name
 * and schemas. While any public interface depends on them, changing them, or deleting the
 * service or interface (which cascades to the public interfaces and their scoped API keys),
 * needs owner or admin. The services-hardening migration enforces the same for raw SQL.
 */
export function requirePublisherRole(role: MemberRole, publicInterfaces: number, action: string): void {
  if (publicInterfaces === 0 || adminRoles.includes(role)) return;
  const published =
    publicInterfaces === 1 ? 'a public interface publishes it' : `${publicInterfaces} public interfaces publish it`;
  throw new AppError('FORBIDDEN', `${action} needs the role owner or admin while ${published}; you are ${role}`, {
    details: { publicInterfaces, role },
  });
}
