import { Writable } from 'node:stream';
import { TRPCError } from '@trpc/server';
import type { Database } from '@wfb/core/db/driver.js';
import { AppError } from '@wfb/core/errors.js';
import { createLogger } from '@wfb/core/logger.js';
import { describe, expect, it } from 'vitest';
import type { Services } from '../services.js';
import { createCallerFactory, publicProcedure, router } from './trpc.js';

/** The one error mapping: caller-facing codes pass through, our own faults are logged and hidden. */
describe('tRPC error mapping', () => {
  const lines: string[] = [];
  const logger = createLogger({
    level: 'info',
    destination: new Writable({
      write(chunk, _encoding, callback) {
        lines.push(String(chunk));
        callback();
      },
    }),
  });
  const testRouter = router({
    conflict: publicProcedure.query(() => {
      throw new AppError('CONFLICT', 'name taken', { details: { field: 'name' } });
    }),
    internal: publicProcedure.query(() => {
      throw new AppError('INTERNAL', 'key ring has no key "k9"', { details: { keyId: 'k9' } });
    }),
    crash: publicProcedure.query(() => {
      throw new Error('socket hang up at 10.0.0.7');
    }),
  });
  const caller = createCallerFactory(testRouter)({
    requestId: 'req-123',
    logger,
    database: {} as Database,
    services: {} as Services,
    keyVerifier: { forgetKey: () => undefined },
    user: undefined,
    authError: undefined,
  });

  async function failure(call: Promise<unknown>): Promise<TRPCError> {
    const error = await call.catch((caught: unknown) => caught);
    if (!(error instanceof TRPCError)) throw new Error('expected a TRPCError');
    return error;
  }

  it('passes caller-facing AppErrors through with their code and message', async () => {
    const error = await failure(caller.conflict());
    expect(error.code).toBe('CONFLICT');
    expect(error.message).toBe('name taken');
  });

  it('hides INTERNAL AppErrors and unknown errors behind a generic message, logging each once', async () => {
    for (const call of [caller.internal(), caller.crash()]) {
      const error = await failure(call);
      expect(error.code).toBe('INTERNAL_SERVER_ERROR');
      expect(error.message).toBe('internal error (request req-123)');
    }
    expect(lines.filter((line) => line.includes('unexpected error in procedure'))).toHaveLength(2);
    expect(lines.join('\n')).toContain('k9');
  });
});
