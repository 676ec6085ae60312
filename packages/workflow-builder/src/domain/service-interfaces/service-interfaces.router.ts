import { z } from 'zod';
import { jsonValue, text } from '../../trpc/input-rules.js';
import { authedProcedure, router } from '../../trpc/trpc.js';
import { description, displayName, entityName } from '../workflows/workflows.router.js';

const callableName = text().trim().min(1).max(255);
/** Any JSON value; the service checks it is a valid JSON Schema and says why not. */
const jsonSchema = jsonValue;
const interfaceId = z.object({ id: z.uuid() });

export const serviceInterfacesRouter = router({
  create: authedProcedure
    .input(
      z.object({
        serviceId: z.uuid(),
        name: entityName,
        displayName: displayName.optional(),
        description: description.optional(),
        type: z.enum(['signal', 'query', 'update', 'start']),
        callableName: callableName.optional(),
        inputSchema: jsonSchema.optional(),
        outputSchema: jsonSchema.optional(),
      }),
    )
    .mutation(({ ctx, input }) => ctx.services.serviceInterfaces.create(ctx.tx, ctx.user, input)),
  list: authedProcedure
    .input(z.object({ projectId: z.uuid(), serviceId: z.uuid().optional() }))
    .query(({ ctx, input }) => ctx.services.serviceInterfaces.list(ctx.tx, ctx.user, input)),
  get: authedProcedure
    .input(interfaceId)
    .query(({ ctx, input }) => ctx.services.serviceInterfaces.get(ctx.tx, ctx.user, input.id)),
  update: authedProcedure
    .input(
      interfaceId.extend({
        displayName: displayName.optional(),
        description: description.optional(),
        callableName: callableName.optional(),
        inputSchema: jsonSchema.optional(),
        outputSchema: jsonSchema.optional(),
      }),
    )
    .mutation(({ ctx, input }) => ctx.services.serviceInterfaces.update(ctx.tx, ctx.user, input)),
  delete: authedProcedure
    .input(interfaceId)
    .mutation(({ ctx, input }) => ctx.services.serviceInterfaces.remove(ctx.tx, ctx.user, input.id)),
});
