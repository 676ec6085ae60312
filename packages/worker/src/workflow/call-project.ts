import { type Duration, NexusOperationFailure } from '@temporalio/common';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  createNexusServiceClient,
  proxyLocalActivities,
  TimeoutFailure,
  workflowInfo,
} from '@temporalio/workflow';
import { nexusEndpointName } from '@wfb/core/nexus/endpoint-name.js';
import * as nexus from 'nexus-rpc';
import type { NexusCallerActivities } from '../nexus/caller-activities.js';
import { type InterfaceCall, type PingOutcome, projectConnectorService } from '../nexus/contract.js';
import { type ProjectCallReason, reasonOfType } from '../nexus/refusals.js';
import { ProjectCallError } from './project-call-error.js';

/**
 * What workflow code uses to call another project's service through a project connector:
 *
 *   const billing = callProject('billing');
 *   await billing.update('charge', { workflowId: invoiceId, input: { cents: 1200 } });
 *
 * The endpoint name derives from this workflow's namespace and the connector name (the
 * control plane names endpoints the same way). The first call of a run per connector asks
 * this worker (a local activity on its in-memory policy) whether that endpoint exists: a
 * call to a missing endpoint would retry forever. Every failure is a ProjectCallError.
 */
export interface CallProjectOptions {
  /** Bound of signal, query, update and ping (schedule-to-close). Default 30 seconds. */
  timeout?: Duration;
  /** Bound of a start, which lasts as long as the started workflow; default: the server's maximum. */
  startTimeout?: Duration;
}

export interface InterfaceCallOptions {
  /** The target workflow, when its service takes the id from the call. */
  workflowId?: string;
  input?: unknown;
  timeout?: Duration;
}

export interface StartedCall<T> {
  /** Settles when the started workflow completes. */
  result(): Promise<T>;
}

const { wfbCheckConnector } = proxyLocalActivities<NexusCallerActivities>({
  startToCloseTimeout: '5 seconds',
  retry: { maximumAttempts: 3, initialInterval: '100 milliseconds' },
});

/** Per workflow run (module state is per run in the sandbox): one check per connector. */
const checked = new Map<string, Promise<unknown>>();

const fallbackReasons: Partial<Record<nexus.HandlerErrorType, ProjectCallReason>> = {
  UNAUTHORIZED: 'unknown-endpoint',
  NOT_FOUND: 'interface-not-found',
  BAD_REQUEST: 'invalid-input',
  UPSTREAM_TIMEOUT: 'timeout',
  UNAVAILABLE: 'unavailable',
};

function reasonOf(error: unknown): { reason: ProjectCallReason; message: string } | undefined {
  if (error instanceof NexusOperationFailure) {
    const cause = error.cause;
    if (cause instanceof nexus.HandlerError) {
      const inner = cause.cause instanceof ApplicationFailure ? reasonOfType(cause.cause.type) : undefined;
      return { reason: inner ?? fallbackReasons[cause.type] ?? 'failed', message: cause.message };
    }
    if (cause instanceof TimeoutFailure) return { reason: 'timeout', message: 'the call timed out' };
    if (cause instanceof CancelledFailure) return { reason: 'cancelled', message: cause.message };
    if (cause instanceof ApplicationFailure) {
      return { reason: reasonOfType(cause.type) ?? 'workflow-failed', message: cause.message };
    }
    return { reason: 'failed', message: error.message };
  }
  // The connector check (a local activity) fails with our ApplicationFailure, wrapped or not.
  const failure = error instanceof ActivityFailure ? error.cause : error;
  if (failure instanceof ApplicationFailure) {
    const reason = reasonOfType(failure.type);
    return reason && { reason, message: failure.message };
  }
  return undefined;
}

export function callProject(connectorName: string, options: CallProjectOptions = {}) {
  const endpoint = nexusEndpointName(workflowInfo().namespace, connectorName);
  const client = createNexusServiceClient({ endpoint, service: projectConnectorService });
  const timeout = options.timeout ?? '30 seconds';

  async function guarded<T>(operation: string, iface: string | null, work: () => Promise<T>): Promise<T> {
    try {
      let check = checked.get(connectorName);
      if (!check) {
        check = wfbCheckConnector({ connectorName });
        checked.set(connectorName, check);
        // A failed check is not remembered: the connector may be approved by the next call.
        check.catch(() => checked.delete(connectorName));
      }
      await check;
      return await work();
    } catch (error) {
      const known = reasonOf(error);
      if (!known) throw error;
      throw new ProjectCallError(
        { reason: known.reason, connector: connectorName, operation, interface: iface },
        `${operation}${iface ? ` ${iface}` : ''} through connector "${connectorName}" failed: ${known.message}`,
        error instanceof Error ? error : undefined,
      );
    }
  }

  const call = (iface: string, options: InterfaceCallOptions): InterfaceCall => ({
    interface: iface,
    ...(options.workflowId !== undefined && { workflowId: options.workflowId }),
    ...(options.input !== undefined && { input: options.input }),
  });

  return {
    endpoint,
    signal(iface: string, callOptions: InterfaceCallOptions = {}) {
      return guarded('signal', iface, () =>
        client.executeOperation('signal', call(iface, callOptions), {
          scheduleToCloseTimeout: callOptions.timeout ?? timeout,
        }),
      );
    },
    async query<T = unknown>(iface: string, callOptions: InterfaceCallOptions = {}): Promise<T> {
      const outcome = await guarded('query', iface, () =>
        client.executeOperation('query', call(iface, callOptions), {
          scheduleToCloseTimeout: callOptions.timeout ?? timeout,
        }),
      );
      return outcome.result as T;
    },
    async update<T = unknown>(iface: string, callOptions: InterfaceCallOptions = {}): Promise<T> {
      const outcome = await guarded('update', iface, () =>
        client.executeOperation('update', call(iface, callOptions), {
          scheduleToCloseTimeout: callOptions.timeout ?? timeout,
        }),
      );
      return outcome.result as T;
    },
    async start<T = unknown>(iface: string, callOptions: InterfaceCallOptions = {}): Promise<StartedCall<T>> {
      const bound = callOptions.timeout ?? options.startTimeout;
      const handle = await guarded('start', iface, () =>
        client.startOperation('start', call(iface, callOptions), {
          ...(bound !== undefined && { scheduleToCloseTimeout: bound }),
        }),
      );
      return { result: () => guarded('start', iface, async () => (await handle.result()) as T) };
    },
    ping(): Promise<PingOutcome> {
      return guarded('ping', null, () => client.executeOperation('ping', {}, { scheduleToCloseTimeout: timeout }));
    },
  };
}

export type ProjectClient = ReturnType<typeof callProject>;
export { ProjectCallError, projectCallErrorInfo } from './project-call-error.js';
