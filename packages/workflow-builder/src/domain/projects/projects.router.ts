import { z } from 'zod';
import { text } from '../../trpc/input-rules.js';
import { authedProcedure, router, signedInProcedure } from '../../trpc/trpc.js';

export const projectSlug = text().regex(
  /^[a-z][a-z0-9-]{1,38}[a-z0-9]$/,
  'lowercase letters, digits and hyphens, 3 to 40 characters',
);
const projectName = text().trim().min(1).max(100);
const memberRole = z.enum(['owner', 'admin', 'member', 'viewer']);
const projectId = z.object({ projectId: z.uuid() });
const memberRef = projectId.extend({ userId: z.uuid() });

export const projectsRouter = router({
  create: signedInProcedure
    .input(
      z.object({
        slug: projectSlug,
        name: projectName,
        temporalNamespace: text()
          .regex(/^[a-zA-Z][a-zA-Z0-9._-]{1,62}$/)
          .optional(),
      }),
    )
    .mutation(({ ctx, input }) => ctx.services.projects.createWithNamespace(ctx.user, input)),
  list: authedProcedure.query(({ ctx }) => ctx.services.projects.list(ctx.tx, ctx.user)),
  get: authedProcedure
    .input(projectId)
    .query(({ ctx, input }) => ctx.services.projects.get(ctx.tx, ctx.user, input.projectId)),
  rename: authedProcedure
    .input(projectId.extend({ name: projectName }))
    .mutation(({ ctx, input }) => ctx.services.projects.rename(ctx.tx, ctx.user, input.projectId, input.name)),
  delete: authedProcedure
    .input(projectId)
    .mutation(({ ctx, input }) => ctx.services.projects.remove(ctx.tx, ctx.user, input.projectId)),
  members: router({
    list: authedProcedure
      .input(projectId)
      .query(({ ctx, input }) => ctx.services.projects.listMembers(ctx.tx, ctx.user, input.projectId)),
    add: authedProcedure
      .input(memberRef.extend({ role: memberRole }))
      .mutation(({ ctx, input }) => ctx.services.projects.addMember(ctx.tx, ctx.user, input)),
    changeRole: authedProcedure
      .input(memberRef.extend({ role: memberRole }))
      .mutation(({ ctx, input }) => ctx.services.projects.changeMemberRole(ctx.tx, ctx.user, input)),
    remove: authedProcedure
      .input(memberRef)
      .mutation(({ ctx, input }) => ctx.services.projects.removeMember(ctx.tx, ctx.user, input)),
  }),
});
