import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { ServiceInterfaceType } from '../db/schema.services.js';
import { AppError } from '../errors.js';
import type { TemporalClients } from '../temporal/temporal-clients.js';
import { classifyTemporalError } from './temporal-errors.js';
import { acceptsConnections } from './temporal-reachability.js';
import { createWorkflowTypeCheck, type EnsureWorkflowType } from './workflow-type-check.js';

/**
 * Turns a resolved public call into one Temporal call, always under a deadline. Clients come
 * from the process-wide TemporalClients (one connection, a client per namespace) and are kept
 * in a plain map so a warm call awaits nothing before the RPC.
 *
 * When a call runs out of time (or fails as unavailable) a short probe decides between 504
 * (Temporal answers, or at least accepts connections: the workflow or the server is slow)
 * and 503 (Temporal is gone). Only a failed probe, a connection-level verdict, starts the
 * fail-fast window in which every call is refused at once: it spans all namespaces, so one
 * tenant's slow workflows or a probe that merely missed its deadline must never start it.
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

export interface TemporalInvokerOptions {
  temporal: TemporalClients | undefined;
  deadlineMs: number;
  retryAfterSeconds: number;
  probeTimeoutMs?: number;
  /** How long after a failed probe calls are refused without trying. */
  failFastMs?: number;
  clock?: () => number;
}

const memoKey = 'wfbIdempotencyKey';
const memoFingerprint = 'wfbRequestFingerprint';

class DeadlineReachedError extends Error {}

function beforeDeadline<T>(work: Promise<T>, deadline: number, clock: () => number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DeadlineReachedError('deadline reached')), Math.max(0, deadline - clock()));
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
}

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

async function perform(client: Client, call: TemporalCall, ensureType: EnsureWorkflowType): Promise<TemporalOutcome> {
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

export function createTemporalInvoker(options: TemporalInvokerOptions) {
  const clock = options.clock ?? Date.now;
  const probeTimeoutMs = options.probeTimeoutMs ?? 250;
  const failFastMs = options.failFastMs ?? 1_000;
  const clients = new Map<string, Client>();
  const ensureType = createWorkflowTypeCheck({ clock });
  let unreachableUntil = 0;
  let probing: Promise<boolean> | undefined;

  function unavailable(message: string, cause?: unknown): AppError {
    unreachableUntil = clock() + failFastMs;
    return new AppError('UNAVAILABLE', message, { cause, retryAfterSeconds: options.retryAfterSeconds });
  }

  async function clientFor(namespace: string, deadline: number): Promise<Client> {
    const cached = clients.get(namespace);
    if (cached) return cached;
    const temporal = options.temporal;
    if (!temporal) {
      throw new AppError('UNAVAILABLE', 'Temporal is not configured on this server', {
        retryAfterSeconds: options.retryAfterSeconds,
      });
    }
    try {
      const client = await beforeDeadline(temporal.client(namespace), deadline, clock);
      clients.set(namespace, client);
      return client;
    } catch (error) {
      throw unavailable('Temporal is unreachable', error);
    }
  }

  /**
   * One probe at a time, however many calls timed out together: Temporal answers a cheap RPC,
   * or failing that still accepts TCP connections (a busy server is not a dead one).
   */
  function reachable(): Promise<boolean> {
    const temporal = options.temporal;
    if (!temporal) return Promise.resolve(false);
    probing ??= (async () => {
      try {
        const deadline = clock() + probeTimeoutMs;
        const connection = await beforeDeadline(temporal.connection(), deadline, clock);
        // Not abandoned at the deadline: the SDK's retry timer would outlive a closed channel.
        await connection.withDeadline(deadline, () => connection.workflowService.getSystemInfo({}));
        return true;
      } catch {
        return acceptsConnections(temporal.address, probeTimeoutMs);
      }
    })().finally(() => {
      probing = undefined;
    });
    return probing;
  }

  return {
    async invoke(call: TemporalCall): Promise<TemporalOutcome> {
      const now = clock();
      if (now < unreachableUntil) {
        throw new AppError('UNAVAILABLE', 'Temporal is unreachable', { retryAfterSeconds: options.retryAfterSeconds });
      }
      const deadline = now + options.deadlineMs;
      const client = await clientFor(call.namespace, deadline);
      try {
        return await beforeDeadline(
          client.withDeadline(deadline, () => perform(client, call, ensureType)),
          deadline,
          clock,
        );
      } catch (error) {
        const failure =
          error instanceof DeadlineReachedError
            ? ({ kind: 'deadline' } as const)
            : classifyTemporalError(error, call.workflowId);
        if (failure.kind === 'error') throw failure.error;
        if (!(await reachable())) throw unavailable('Temporal is unreachable', error);
        if (failure.kind === 'deadline') {
          throw new AppError('TIMEOUT', `Temporal did not complete the call within ${options.deadlineMs} ms`, {
            cause: error,
          });
        }
        // Temporal is up but refused this one call as unavailable: a 503 for it alone.
        throw new AppError('UNAVAILABLE', 'Temporal could not take this call; retry later', {
          cause: error,
          retryAfterSeconds: options.retryAfterSeconds,
        });
      }
    },
  };
}

export type TemporalInvoker = ReturnType<typeof createTemporalInvoker>;
