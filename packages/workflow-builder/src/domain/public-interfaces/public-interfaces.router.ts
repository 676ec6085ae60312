import { z } from 'zod';
import { text } from '../../trpc/input-rules.js';
import { authedProcedure, router } from '../../trpc/trpc.js';
import { description } from '../workflows/workflows.router.js';

const method = z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
/** Shape only; the service checks segments and parameters and says what is wrong. */
const path = text().min(1).max(200);
const rateLimitPerMinute = z.number().int().min(1).max(1_000_000).nullable();
const publicInterfaceId = z.object({ id: z.uuid() });

export const publicInterfacesRouter = router({
  create: authedProcedure
    .input(
      z.object({
        serviceInterfaceId: z.uuid(),
        method,
        path,
        rateLimitPerMinute: rateLimitPerMinute.optional(),
        enabled: z.boolean().optional(),
        description: description.optional(),
      }),
    )
    .mutation(({ ctx, input }) => ctx.services.publicInterfaces.create(ctx.tx, ctx.user, input)),
  list: authedProcedure
    .input(z.object({ projectId: z.uuid(), serviceInterfaceId: z.uuid().optional() }))
    .query(({ ctx, input }) => ctx.services.publicInterfaces.list(ctx.tx, ctx.user, input)),
  get: authedProcedure
    .input(publicInterfaceId)
    .query(({ ctx, input }) => ctx.services.publicInterfaces.get(ctx.tx, ctx.user, input.id)),
  update: authedProcedure
    .input(
      publicInterfaceId.extend({
        method: method.optional(),
        path: path.optional(),
        rateLimitPerMinute: rateLimitPerMinute.optional(),
        enabled: z.boolean().optional(),
        description: description.optional(),
      }),
    )
    .mutation(({ ctx, input }) => ctx.services.publicInterfaces.update(ctx.tx, ctx.user, input)),
  delete: authedProcedure
    .input(publicInterfaceId)
    .mutation(({ ctx, input }) => ctx.services.publicInterfaces.remove(ctx.tx, ctx.user, input.id)),
  openapi: authedProcedure
    .input(z.object({ projectId: z.uuid() }))
    .query(({ ctx, input }) => ctx.services.publicInterfaces.openapi(ctx.tx, ctx.user, input.projectId)),
});
