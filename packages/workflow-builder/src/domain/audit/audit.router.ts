import { z } from 'zod';
import { text, timestamp } from '../../trpc/input-rules.js';
import { authedProcedure, router } from '../../trpc/trpc.js';
import { adminRoles, requireRole } from '../projects/project-access.js';
import { listAuditEvents } from './audit.store.js';

export const auditRouter = router({
  list: authedProcedure
    .input(
      z.object({
        projectId: z.uuid(),
        limit: z.number().int().min(1).max(200).default(50),
        entityType: text().max(64).optional(),
        before: z.object({ createdAt: timestamp(), id: z.uuid() }).optional(),
      }),
    )
    .query(async ({ ctx, input }) => {
      await requireRole(ctx.tx, input.projectId, ctx.user.id, adminRoles);
      const events = await listAuditEvents(ctx.tx, input);
      const last = events.at(-1);
      return {
        events,
        next: events.length === input.limit && last ? { createdAt: last.created_at, id: last.id } : null,
      };
    }),
});
