import { AppError, fromDatabaseError, isDatabaseOutage } from '@wfb/core/errors.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendProblem } from './problem.js';

/** Upstream failures worth a warning: the peer (Temporal, a provider) is at fault, not the caller. */
const upstreamCodes = new Set(['BAD_GATEWAY', 'UNAVAILABLE', 'TIMEOUT']);

/**
 * The one REST error mapping (the tRPC side is in trpc.ts): caller-facing AppErrors become
 * their problem body; INTERNAL AppErrors and unknown errors are logged once with the
 * request id and answered with a generic 500, so their text never reaches the caller.
 */
export function replyWithError(thrown: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const error = fromDatabaseError(thrown);
  if (error instanceof AppError && error.code !== 'INTERNAL') {
    if (error.retryAfterSeconds !== undefined) reply.header('Retry-After', error.retryAfterSeconds);
    // A database outage is logged once by the driver when it starts and when it ends, not per request.
    if (upstreamCodes.has(error.code) && !isDatabaseOutage(error)) {
      request.log.warn({ err: error.cause ?? error, code: error.code }, error.message);
    }
    return sendProblem(reply, error.code, error.message, error.details ?? {});
  }
  const status = (error as { statusCode?: number }).statusCode;
  if (!(error instanceof AppError)) {
    if (status === 413) return sendProblem(reply, 'PAYLOAD_TOO_LARGE', 'request body is too large');
    if (status === 415) return sendProblem(reply, 'BAD_REQUEST', 'the request body must be application/json');
    if (status === 400) {
      return sendProblem(reply, 'BAD_REQUEST', `invalid request body: ${(error as Error).message}`);
    }
  }
  request.log.error({ err: error instanceof AppError ? (error.cause ?? error) : error }, 'unhandled error');
  return sendProblem(reply, 'INTERNAL', 'internal error');
}
