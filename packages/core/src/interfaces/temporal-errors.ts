import {
  ApplicationFailure,
  isGrpcCancelledError,
  isGrpcDeadlineError,
  NamespaceNotFoundError,
  QueryNotRegisteredError,
  QueryRejectedError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { AppError } from '../errors.js';

/**
 * What a failed Temporal call means for the public caller. The SDK wraps gRPC failures in
 * ServiceError with the gRPC status as `cause`, so both layers are inspected. Deadlines are
 * reported separately: whether one means 504 or 503 depends on whether Temporal still answers.
 */
export type TemporalFailureKind = { kind: 'deadline' } | { kind: 'unreachable' } | { kind: 'error'; error: AppError };

/** gRPC status codes (https://grpc.github.io/grpc/core/md_doc_statuscodes.html) the mapping cares about. */
const grpcStatus = {
  invalidArgument: 3,
  deadlineExceeded: 4,
  notFound: 5,
  alreadyExists: 6,
  permissionDenied: 7,
  resourceExhausted: 8,
  unavailable: 14,
  unauthenticated: 16,
} as const;

/** The gRPC status code of an SDK error, looked up through a few levels of `cause`. */
export function grpcCode(error: unknown): number | undefined {
  for (let current: unknown = error, depth = 0; current && depth < 4; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'number') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function failureDetails(cause: Error | undefined) {
  if (cause instanceof ApplicationFailure) return { type: cause.type ?? null, message: cause.message };
  return { type: null, message: cause?.message ?? 'rejected' };
}

export function classifyTemporalError(error: unknown, workflowId: string): TemporalFailureKind {
  if (error instanceof AppError) return { kind: 'error', error };
  if (error instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return { kind: 'deadline' };
  if (isGrpcDeadlineError(error) || isGrpcCancelledError(error)) return { kind: 'deadline' };
  if (error instanceof WorkflowNotFoundError) {
    return { kind: 'error', error: new AppError('NOT_FOUND', `workflow "${workflowId}" not found`, { cause: error }) };
  }
  if (error instanceof WorkflowUpdateFailedError) {
    const failure = failureDetails(error.cause);
    return {
      kind: 'error',
      error: new AppError('UNPROCESSABLE', `the workflow rejected the update: ${failure.message}`, {
        cause: error,
        details: { failure },
      }),
    };
  }
  if (error instanceof QueryNotRegisteredError || error instanceof QueryRejectedError) {
    return {
      kind: 'error',
      error: new AppError('UNPROCESSABLE', `the workflow could not answer the query: ${error.message}`, {
        cause: error,
      }),
    };
  }
  if (error instanceof WorkflowExecutionAlreadyStartedError) {
    return {
      kind: 'error',
      error: new AppError('CONFLICT', `workflow "${workflowId}" is already running`, { cause: error }),
    };
  }
  if (error instanceof NamespaceNotFoundError) {
    return {
      kind: 'error',
      error: new AppError('BAD_GATEWAY', "the project's Temporal namespace does not exist", { cause: error }),
    };
  }
  switch (grpcCode(error)) {
    case grpcStatus.deadlineExceeded:
      return { kind: 'deadline' };
    case grpcStatus.unavailable:
      return { kind: 'unreachable' };
    case grpcStatus.notFound:
      return {
        kind: 'error',
        error: new AppError('NOT_FOUND', `workflow "${workflowId}" not found`, { cause: error }),
      };
    case grpcStatus.invalidArgument:
      return {
        kind: 'error',
        error: new AppError('BAD_REQUEST', 'Temporal refused the call as invalid', { cause: error }),
      };
    case grpcStatus.resourceExhausted:
      return {
        kind: 'error',
        error: new AppError('TOO_MANY_REQUESTS', 'Temporal is rate limiting this namespace', {
          cause: error,
          retryAfterSeconds: 1,
        }),
      };
    case grpcStatus.permissionDenied:
    case grpcStatus.unauthenticated:
      return {
        kind: 'error',
        error: new AppError('BAD_GATEWAY', 'Temporal refused this gateway access to the namespace', { cause: error }),
      };
    default:
      if (error instanceof ServiceError || grpcCode(error) !== undefined) {
        return { kind: 'error', error: new AppError('BAD_GATEWAY', 'the Temporal call failed', { cause: error }) };
      }
      // Not a Temporal failure: a bug on our side, logged once as INTERNAL by the gateway.
      return { kind: 'error', error: new AppError('INTERNAL', 'internal error', { cause: error }) };
  }
}
