import { z } from 'zod';
import { text, timestamp } from '../../trpc/input-rules.js';
import { authedProcedure, router } from '../../trpc/trpc.js';

const keyName = text().trim().min(1).max(100);
const expiresAt = timestamp().nullable().optional();
const rateLimitPerMinute = z.number().int().min(1).max(1_000_000).nullable().optional();
const keyId = z.object({ id: z.uuid() });

export const apiKeysRouter = router({
  create: authedProcedure
    .input(
      z.object({
        projectId: z.uuid(),
        name: keyName,
        expiresAt,
        publicInterfaceId: z.uuid().nullable().optional(),
        rateLimitPerMinute,
      }),
    )
    .mutation(({ ctx, input }) => ctx.services.apiKeys.create(ctx.tx, ctx.user, input)),
  list: authedProcedure
    .input(z.object({ projectId: z.uuid(), includeInactive: z.boolean().optional() }))
    .query(({ ctx, input }) => ctx.services.apiKeys.list(ctx.tx, ctx.user, input)),
  get: authedProcedure.input(keyId).query(({ ctx, input }) => ctx.services.apiKeys.get(ctx.tx, ctx.user, input.id)),
  update: authedProcedure
    .input(keyId.extend({ name: keyName.optional(), expiresAt, rateLimitPerMinute }))
    .mutation(async ({ ctx, input }) => {
      const key = await ctx.services.apiKeys.update(ctx.tx, ctx.user, input);
      ctx.afterCommit(() => ctx.keyVerifier.forgetKey(key.id));
      return key;
    }),
  revoke: authedProcedure.input(keyId).mutation(async ({ ctx, input }) => {
    const key = await ctx.services.apiKeys.revoke(ctx.tx, ctx.user, input.id);
    ctx.afterCommit(() => ctx.keyVerifier.forgetKey(key.id));
    return key;
  }),
  roll: authedProcedure
    .input(
      keyId.extend({
        graceSeconds: z
          .number()
          .int()
          .min(0)
          .max(30 * 24 * 60 * 60)
          .optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const rolled = await ctx.services.apiKeys.roll(ctx.tx, ctx.user, input);
      ctx.afterCommit(() => ctx.keyVerifier.forgetKey(rolled.previous.id));
      return rolled;
    }),
});
