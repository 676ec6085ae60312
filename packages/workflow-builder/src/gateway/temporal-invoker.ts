import type { Client } from '@temporalio/client';
import { AppError } from '@wfb/core/errors.js';
import { perform, type TemporalCall, type TemporalOutcome } from '@wfb/core/interfaces/invoke.js';
import { classifyTemporalError } from '@wfb/core/interfaces/temporal-errors.js';
import { createWorkflowTypeCheck } from '@wfb/core/interfaces/workflow-type-check.js';
import type { TemporalClients } from '../temporal/temporal-clients.js';
import { acceptsConnections } from './temporal-reachability.js';

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
export interface TemporalInvokerOptions {
  temporal: TemporalClients | undefined;
  deadlineMs: number;
  retryAfterSeconds: number;
  probeTimeoutMs?: number;
  /** How long after a failed probe calls are refused without trying. */
  failFastMs?: number;
  clock?: () => number;
}

class DeadlineReachedError extends Error {}

function beforeDeadline<T>(work: Promise<T>, deadline: number, clock: () => number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DeadlineReachedError('deadline reached')), Math.max(0, deadline - clock()));
  });
  return Promise.race([work, expired]).finally(() => clearTimeout(timer));
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
export type { TemporalCall, TemporalOutcome };
