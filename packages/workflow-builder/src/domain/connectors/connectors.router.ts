import { z } from 'zod';
import { authedProcedure, router, signedInProcedure } from '../../trpc/trpc.js';
import { createConnectorInput, updateConnectorInput } from './connector-input.js';

const connectorId = z.object({ id: z.uuid() });

export const connectorsRouter = router({
  create: authedProcedure
    .input(createConnectorInput)
    .mutation(({ ctx, input }) => ctx.services.connectors.create(ctx.tx, ctx.user, input)),
  list: authedProcedure
    .input(z.object({ projectId: z.uuid() }))
    .query(({ ctx, input }) => ctx.services.connectors.list(ctx.tx, ctx.user, input)),
  get: authedProcedure
    .input(connectorId)
    .query(({ ctx, input }) => ctx.services.connectors.get(ctx.tx, ctx.user, input.id)),
  update: authedProcedure
    .input(updateConnectorInput)
    .mutation(({ ctx, input }) => ctx.services.connectors.update(ctx.tx, ctx.user, input)),
  setEnabled: authedProcedure
    .input(connectorId.extend({ enabled: z.boolean() }))
    .mutation(({ ctx, input }) => ctx.services.connectors.setEnabled(ctx.tx, ctx.user, input)),
  delete: authedProcedure
    .input(connectorId)
    .mutation(({ ctx, input }) => ctx.services.connectors.delete(ctx.tx, ctx.user, input.id)),
  test: signedInProcedure
    .input(connectorId)
    .mutation(({ ctx, input }) => ctx.services.connectorCalls.test(ctx.user, input.id)),
  oauth: router({
    // Opens its own transactions: discovery may call the provider between them.
    start: signedInProcedure
      .input(connectorId)
      .mutation(({ ctx, input }) => ctx.services.oauthFlow.start(ctx.user, input.id)),
  }),
});
