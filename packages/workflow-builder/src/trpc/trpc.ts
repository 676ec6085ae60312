import { initTRPC, TRPCError } from '@trpc/server';
import type { Database } from '@wfb/core/db/driver.js';
import { AppError, fromDatabaseError } from '@wfb/core/errors.js';
import type { FastifyBaseLogger } from 'fastify';
import { ZodError, z } from 'zod';
import type { AuthUser } from '../auth/jwt.js';
import { type Tx, withUserTransaction } from '../db/tx.js';
import type { KeyVerifier } from '../domain/api-keys/key-verifier.js';
import type { Services } from '../services.js';

/** Owns initTRPC and the base procedures; routers only validate input and delegate. */
export interface AppContext {
  requestId: string;
  logger: FastifyBaseLogger;
  database: Database;
  services: Services;
  /** This instance's key cache; evicted after commit so its own next request sees a change. */
  keyVerifier: Pick<KeyVerifier, 'forgetKey'>;
  user: AuthUser | undefined;
  /** Why the bearer token was refused, when one was sent and failed. */
  authError: string | undefined;
}

const t = initTRPC.context<AppContext>().create({
  errorFormatter({ shape, error, ctx }) {
    const cause = error.cause;
    return {
      ...shape,
      data: {
        code: shape.data.code,
        httpStatus: shape.data.httpStatus,
        path: shape.data.path,
        requestId: ctx?.requestId,
        issues: cause instanceof ZodError ? z.treeifyError(cause) : undefined,
        details: cause instanceof AppError && cause.code !== 'INTERNAL' ? cause.details : undefined,
      },
    };
  },
});

/** The one place AppError codes become tRPC codes; unknown errors are logged once and hidden. */
function normalizeError(error: TRPCError, ctx: AppContext, path: string): TRPCError {
  const cause = fromDatabaseError(error.cause);
  // INTERNAL AppErrors (decryption, key-ring faults) are ours, not the caller's: log, hide.
  if (cause instanceof AppError && cause.code !== 'INTERNAL') {
    return new TRPCError({ code: cause.trpcCode, message: cause.message, cause });
  }
  if (error.code !== 'INTERNAL_SERVER_ERROR' && !(cause instanceof AppError)) return error;
  ctx.logger.error({ err: error.cause ?? error, path }, 'unexpected error in procedure');
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: `internal error (request ${ctx.requestId})` });
}

const mapErrors = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
  if (result.ok) return result;
  return { ...result, error: normalizeError(result.error, ctx, path) };
});

/** Thrown inside the transaction to roll it back when the procedure failed. */
const rollback = Symbol('rollback');

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(mapErrors);

/**
 * Signed in, but no transaction around the procedure: for work that must call out
 * (Temporal, third parties) without holding a database connection; the service opens
 * its own RLS transaction for the writes.
 */
export const signedInProcedure = publicProcedure.use(({ ctx, next }) => {
  const user = ctx.user;
  if (!user) throw new TRPCError({ code: 'UNAUTHORIZED', message: ctx.authError ?? 'a bearer token is required' });
  return next({ ctx: { user } });
});

/**
 * Verifies the caller and runs the whole procedure in one transaction as role
 * `authenticated` with the caller's claims: RLS applies to every query, and a failed
 * procedure rolls back everything it wrote.
 */
export const authedProcedure = publicProcedure.use(async ({ ctx, next }) => {
  const user = ctx.user;
  if (!user) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: ctx.authError ?? 'a bearer token is required' });
  }
  const committed: Array<() => void> = [];
  const afterCommit = (task: () => void) => {
    committed.push(task);
  };
  const run = (tx: Tx) => next({ ctx: { user, tx, afterCommit } });
  let outcome: Awaited<ReturnType<typeof run>> | undefined;
  try {
    await withUserTransaction(ctx.database.db, user.claims, async (tx) => {
      outcome = await run(tx);
      if (!outcome.ok) throw rollback;
    });
  } catch (error) {
    if (error !== rollback) throw error;
  }
  if (!outcome) throw new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'procedure produced no result' });
  if (outcome.ok) for (const task of committed) task();
  return outcome;
});
