import { z } from 'zod';
import { text } from '../../trpc/input-rules.js';
import { authedProcedure, router } from '../../trpc/trpc.js';

/** Shared with the other service-area routers so names and texts follow one rule. */
export const entityName = text().regex(
  /^[a-z][a-z0-9-]{0,61}[a-z0-9]$/,
  'lowercase letters, digits and hyphens, 2 to 63 characters',
);
export const displayName = text().trim().min(1).max(100);
export const description = text().max(2000);
const temporalName = text().trim().min(1).max(255);

const workflowIdSource = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('fixed'), workflowId: text().min(1).max(255) }),
  z.object({ mode: z.literal('path_param'), param: text().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/) }),
]);
const serviceId = z.object({ id: z.uuid() });

export const workflowsRouter = router({
  create: authedProcedure
    .input(
      z.object({
        projectId: z.uuid(),
        name: entityName,
        displayName: displayName.optional(),
        description: description.optional(),
        workflowType: temporalName,
        taskQueue: temporalName,
        workflowIdSource,
      }),
    )
    .mutation(({ ctx, input }) => ctx.services.workflows.create(ctx.tx, ctx.user, input)),
  list: authedProcedure
    .input(z.object({ projectId: z.uuid() }))
    .query(({ ctx, input }) => ctx.services.workflows.list(ctx.tx, ctx.user, input.projectId)),
  get: authedProcedure
    .input(serviceId)
    .query(({ ctx, input }) => ctx.services.workflows.get(ctx.tx, ctx.user, input.id)),
  update: authedProcedure
    .input(
      serviceId.extend({
        displayName: displayName.optional(),
        description: description.optional(),
        workflowType: temporalName.optional(),
        taskQueue: temporalName.optional(),
        workflowIdSource: workflowIdSource.optional(),
      }),
    )
    .mutation(({ ctx, input }) => ctx.services.workflows.update(ctx.tx, ctx.user, input)),
  delete: authedProcedure
    .input(serviceId)
    .mutation(({ ctx, input }) => ctx.services.workflows.remove(ctx.tx, ctx.user, input.id)),
});
