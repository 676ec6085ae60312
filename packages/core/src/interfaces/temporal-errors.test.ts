import {
  ApplicationFailure,
  NamespaceNotFoundError,
  QueryNotRegisteredError,
  ServiceError,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { AppError } from '../errors.js';
import { classifyTemporalError } from './temporal-errors.js';

/** What @grpc/grpc-js rejects with: an Error carrying code, details and metadata. */
function grpcError(code: number, details = 'failed') {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

function codeOf(error: unknown) {
  const failure = classifyTemporalError(error, 'wf-1');
  return failure.kind === 'error' ? failure.error.code : failure.kind;
}

describe('Temporal failures as public answers', () => {
  it.each([
    ['workflow not found', new WorkflowNotFoundError('gone', 'wf-1', undefined), 'NOT_FOUND'],
    ['an update rejected by the validator', new WorkflowUpdateFailedError('failed', new Error('no')), 'UNPROCESSABLE'],
    ['a query the workflow cannot answer', new QueryNotRegisteredError('unknown query', 3), 'UNPROCESSABLE'],
    [
      'a start of a running id',
      new WorkflowExecutionAlreadyStartedError('started', 'wf-1', 'orderWorkflow'),
      'CONFLICT',
    ],
    ['a missing namespace', new NamespaceNotFoundError('ns'), 'BAD_GATEWAY'],
    ['an update RPC that timed out', new WorkflowUpdateRPCTimeoutOrCancelledError('late'), 'deadline'],
    ['a gRPC deadline', new ServiceError('query failed', { cause: grpcError(4) }), 'deadline'],
    ['an unreachable server', new ServiceError('query failed', { cause: grpcError(14) }), 'unreachable'],
    ['a throttled namespace', new ServiceError('busy', { cause: grpcError(8) }), 'TOO_MANY_REQUESTS'],
    ['a refused credential', new ServiceError('denied', { cause: grpcError(7) }), 'BAD_GATEWAY'],
    ['an invalid argument', new ServiceError('bad', { cause: grpcError(3) }), 'BAD_REQUEST'],
    ['another service error', new ServiceError('odd', { cause: grpcError(13) }), 'BAD_GATEWAY'],
    ['a bug of ours', new TypeError('x is undefined'), 'INTERNAL'],
  ])('maps %s', (_label, error, expected) => {
    expect(codeOf(error)).toBe(expected);
  });

  it('keeps the workflow failure type and message of a rejected update for the caller', () => {
    const cause = ApplicationFailure.create({ type: 'InvalidShippingAddress', message: 'country must be one of US' });
    const failure = classifyTemporalError(new WorkflowUpdateFailedError('Workflow Update failed', cause), 'wf-1');
    expect(failure.kind).toBe('error');
    if (failure.kind !== 'error') return;
    expect(failure.error.httpStatus).toBe(422);
    expect(failure.error.details).toEqual({
      failure: { type: 'InvalidShippingAddress', message: 'country must be one of US' },
    });
    expect(failure.error.cause).toBeInstanceOf(WorkflowUpdateFailedError);
  });

  it('passes AppErrors through and sets Retry-After on throttling', () => {
    const own = new AppError('UNPROCESSABLE', 'x');
    expect(classifyTemporalError(own, 'wf-1')).toEqual({ kind: 'error', error: own });
    const throttled = classifyTemporalError(new ServiceError('busy', { cause: grpcError(8) }), 'wf-1');
    expect(throttled.kind === 'error' && throttled.error.retryAfterSeconds).toBe(1);
  });
});
