import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { authedProcedure, publicProcedure, router } from '../../trpc/trpc.js';
import { createConnectorInput, updateConnectorInput } from './connector-input.js';

const connectorId = z.object({ id: z.uuid() });

/**
 * Signed in, but no transaction around the procedure: for calls that go out to a third
 * party, which must not hold a database connection while they wait (see connector-calls.ts).
 */
const signedInProcedure = publicProcedure.use(({ ctx, next }) => {
  const user = ctx.user;
  if (!user) throw new TRPCError({ code: 'UNAUTHORIZED', message: ctx.authError ?? 'a bearer token is required' });
  return next({ ctx: { user } });
});

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
    start: authedProcedure
      .input(connectorId)
      .mutation(({ ctx, input }) => ctx.services.oauthFlow.start(ctx.tx, ctx.user, input.id)),
  }),
});
