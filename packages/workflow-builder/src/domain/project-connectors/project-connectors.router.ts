import { z } from 'zod';
import { authedProcedure, router, signedInProcedure } from '../../trpc/trpc.js';
import { projectSlug } from '../projects/projects.router.js';
import { description, entityName } from '../workflows/workflows.router.js';

const connectorId = z.object({ id: z.uuid() });
const interfaceNames = z.array(entityName).min(1).max(100);

export const projectConnectorsRouter = router({
  create: authedProcedure
    .input(
      z.object({
        projectId: z.uuid(),
        name: entityName,
        description: description.optional(),
        target: z.object({ projectSlug, serviceName: entityName, interfaces: interfaceNames }),
      }),
    )
    .mutation(({ ctx, input }) => ctx.services.projectConnectors.create(ctx.tx, ctx.user, input)),
  list: authedProcedure
    .input(
      z.object({
        projectId: z.uuid(),
        direction: z.enum(['outgoing', 'incoming', 'all']).optional(),
        includeDeleted: z.boolean().optional(),
      }),
    )
    .query(({ ctx, input }) => ctx.services.projectConnectors.list(ctx.tx, ctx.user, input)),
  get: authedProcedure
    .input(connectorId)
    .query(({ ctx, input }) => ctx.services.projectConnectors.get(ctx.tx, ctx.user, input.id)),
  approve: authedProcedure
    .input(connectorId.extend({ allowedInterfaces: interfaceNames.optional() }))
    .mutation(({ ctx, input }) => ctx.services.projectConnectors.approve(ctx.tx, ctx.user, input)),
  update: authedProcedure
    .input(connectorId.extend({ description: description.optional(), allowedInterfaces: interfaceNames.optional() }))
    .mutation(({ ctx, input }) => ctx.services.projectConnectors.update(ctx.tx, ctx.user, input)),
  revoke: authedProcedure
    .input(connectorId)
    .mutation(({ ctx, input }) => ctx.services.projectConnectors.revoke(ctx.tx, ctx.user, input.id)),
  delete: authedProcedure
    .input(connectorId)
    .mutation(({ ctx, input }) => ctx.services.projectConnectors.remove(ctx.tx, ctx.user, input.id)),
  /** Calls out to Temporal: no transaction is held while the ping runs. */
  test: signedInProcedure
    .input(connectorId)
    .mutation(({ ctx, input }) => ctx.services.projectConnectors.test(ctx.user, input.id)),
});
