import { type AppErrorCode, appErrorCodes } from '@wfb/core/errors.js';
import type { FastifyReply } from 'fastify';

/**
 * Every REST error is one RFC 9457 problem body carrying our closed error code and the
 * request id, so clients branch on `code` and support can find the log line.
 */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: AppErrorCode;
  detail: string;
  requestId: string;
  [extension: string]: unknown;
}

export function problemBody(
  code: AppErrorCode,
  detail: string,
  requestId: string,
  extensions: Record<string, unknown> = {},
): ProblemBody {
  return {
    type: `https://errors.workflow-builder.dev/${code.toLowerCase().replaceAll('_', '-')}`,
    title: code.replaceAll('_', ' ').toLowerCase(),
    status: appErrorCodes[code].http,
    code,
    detail,
    requestId,
    ...extensions,
  };
}

export function sendProblem(
  reply: FastifyReply,
  code: AppErrorCode,
  detail: string,
  extensions: Record<string, unknown> = {},
): FastifyReply {
  const body = problemBody(code, detail, reply.request.id, extensions);
  return reply.code(body.status).type('application/problem+json').send(body);
}
