import { randomUUID } from 'node:crypto';
import type { Socket } from 'node:net';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { replyWithError } from './error-reply.js';
import { problemBody, sendProblem } from './problem.js';

/**
 * Node's HTTP parser refuses some requests before Fastify sees them (an unknown method, a
 * malformed request line or header, headers too large, a request too slow to arrive).
 * Fastify would answer with its own JSON shape; this answers with the same problem body as
 * every other error, so a client needs one error format. The status stays what the parser
 * meant; there is no request yet, so the request id is made here and logged with the error.
 */
interface ConnectionError extends Error {
  code?: string;
}

const refusals: Record<string, { status: number; reason: string; detail: string }> = {
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, reason: 'Request Timeout', detail: 'the request took too long to arrive' },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    reason: 'Request Header Fields Too Large',
    detail: 'the request headers are too large',
  },
};
const malformed = { status: 400, reason: 'Bad Request', detail: 'malformed HTTP request' };

export function createClientErrorHandler(logger: FastifyBaseLogger) {
  return function replyToClientError(error: ConnectionError, socket: Socket): void {
    // A reset connection has no one left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const refusal = refusals[error.code ?? ''] ?? malformed;
    const requestId = randomUUID();
    logger.debug({ err: error, requestId }, 'refused a malformed request');
    const body = JSON.stringify({
      ...problemBody('BAD_REQUEST', refusal.detail, requestId),
      status: refusal.status,
    });
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${refusal.status} ${refusal.reason}\r\nContent-Type: application/problem+json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  };
}

/**
 * Fastify's router refuses some URLs before any route or hook runs: percent-encoding that is
 * not UTF-8 (FST_ERR_BAD_URL), a path parameter over its length limit (FST_ERR_MAX_PARAM_LENGTH).
 * Its own answer is not a problem body; this one is.
 */
export function replyToFrameworkError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  reply.header('x-request-id', request.id);
  if (error.code === 'FST_ERR_BAD_URL') {
    return sendProblem(reply, 'BAD_REQUEST', 'the URL path is not valid percent-encoded UTF-8');
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    const body = { ...problemBody('BAD_REQUEST', 'a segment of the URL path is too long', request.id), status: 414 };
    return reply.code(414).type('application/problem+json').send(body);
  }
  return replyWithError(error, request, reply);
}
