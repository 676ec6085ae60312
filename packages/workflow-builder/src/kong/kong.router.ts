import { router, signedInProcedure } from '../trpc/trpc.js';

/**
 * `kong.status` (any signed-in user: controller health only), `kong.sync` and `kong.diff`
 * (operators, KONG_OPERATOR_USER_IDS). No transaction: they wait on Kong, not the database.
 */
export const kongRouter = router({
  status: signedInProcedure.query(({ ctx }) => ctx.services.kong.status(ctx.user)),
  sync: signedInProcedure.mutation(({ ctx }) => ctx.services.kong.sync(ctx.user)),
  diff: signedInProcedure.query(({ ctx }) => ctx.services.kong.diff(ctx.user)),
});
