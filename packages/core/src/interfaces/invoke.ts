import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { ServiceInterfaceType } from '../db/schema.services.js';
import { AppError } from '../errors.js';
import type { EnsureWorkflowType } from './workflow-type-check.js';

/**
 * One interface call as a single Temporal operation (signal | query | update | start), the
 * same for the public REST gateway and the Nexus handler. Deadlines, client lookup and the
 * reachability verdict belong to the caller; failures come back as the SDK threw them, to be
 * classified with classifyTemporalError.
 */
export interface TemporalCall {
  namespace: string;
  type: ServiceInterfaceType;
  workflowId: string;
  /** Signal, query or update name; unused by a start. */
  callableName: string | null;
  workflowType: string;
  taskQueue: string;
  input: unknown;
  idempotencyKey: string | undefined;
  /** Identifies the request a start with an Idempotency-Key must repeat exactly to be replayed. */
  requestFingerprint: string | undefined;
  /** The caller chose the workflow id (a path parameter): confirm it runs `workflowType` first. */
  checkWorkflowType?: boolean;
}

export interface TemporalOutcome {
  status: 200 | 201 | 202;
  body: Record<string, unknown>;
}

const memoKey = 'wfbIdempotencyKey';
const memoFingerprint = 'wfbRequestFingerprint';

async function replayStart(client: Client, call: TemporalCall, original: unknown): Promise<TemporalOutcome> {
  const description = await client.workflow.getHandle(call.workflowId).describe();
  const memo = description.memo ?? {};
  if (memo[memoKey] !== call.idempotencyKey) throw original;
  if (memo[memoFingerprint] !== call.requestFingerprint) {
    throw new AppError('UNPROCESSABLE', 'this Idempotency-Key was already used with a different request', {
      details: { workflowId: call.workflowId },
    });
  }
  const runId = description.raw.workflowExecutionInfo?.firstRunId || description.runId;
  return { status: 201, body: { workflowId: call.workflowId, runId } };
}

export async function perform(
  client: Client,
  call: TemporalCall,
  ensureType: EnsureWorkflowType,
): Promise<TemporalOutcome> {
  const args: unknown[] = call.input === undefined ? [] : [call.input];
  if (call.checkWorkflowType && call.type !== 'start') await ensureType(client, call);
  const name = call.callableName ?? '';
  const handle = client.workflow.getHandle(call.workflowId);
  switch (call.type) {
    case 'signal':
      await handle.signal(name, ...args);
      return { status: 202, body: { workflowId: call.workflowId, status: 'accepted' } };
    case 'query': {
      const result = await handle.query<unknown, unknown[]>(name, ...args);
      return { status: 200, body: { workflowId: call.workflowId, result: result ?? null } };
    }
    case 'update': {
      const updateId = call.idempotencyKey;
      const result =
        call.input === undefined
          ? await handle.executeUpdate<unknown, []>(name, { ...(updateId && { updateId }) })
          : await handle.executeUpdate<unknown, [unknown]>(name, { args: [call.input], ...(updateId && { updateId }) });
      return { status: 200, body: { workflowId: call.workflowId, result: result ?? null } };
    }
    case 'start':
      try {
        const started = await client.workflow.start(call.workflowType, {
          taskQueue: call.taskQueue,
          workflowId: call.workflowId,
          args,
          ...(call.idempotencyKey && {
            // A finished run with this key must be replayed, never started again.
            workflowIdReusePolicy: 'REJECT_DUPLICATE',
            memo: { [memoKey]: call.idempotencyKey, [memoFingerprint]: call.requestFingerprint },
          }),
        });
        return { status: 201, body: { workflowId: call.workflowId, runId: started.firstExecutionRunId } };
      } catch (error) {
        if (!(error instanceof WorkflowExecutionAlreadyStartedError) || !call.idempotencyKey) throw error;
        return replayStart(client, call, error);
      }
  }
}
