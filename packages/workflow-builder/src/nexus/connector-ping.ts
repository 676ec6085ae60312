import { randomUUID } from 'node:crypto';
import { WorkflowFailedError } from '@temporalio/client';
import {
  type ConnectorPingInput,
  type ConnectorPingResult,
  connectorPingWorkflowType,
} from '@wfb/core/nexus/connector-ping.js';
import type { ConnectorPinger, ConnectorPingReport } from '../domain/project-connectors/project-connectors.service.js';
import type { TemporalClients } from '../temporal/temporal-clients.js';

/**
 * `projectConnectors.test`: runs the worker's built-in ping workflow in the source namespace
 * (on the Nexus task queue, which the worker fleet serves in every project namespace), so the
 * ping takes the path a caller workflow takes: endpoint name from (namespace, connector name),
 * the real endpoint, the target's handler. The run is bounded by `timeoutMs`; a source
 * namespace no worker serves therefore ends as a timeout, not a hang.
 */
export function createConnectorPinger(options: {
  temporal: TemporalClients;
  taskQueue: string;
  timeoutMs: number;
}): ConnectorPinger {
  return {
    async ping(target): Promise<ConnectorPingReport> {
      const client = await options.temporal.client(target.namespace);
      const started = performance.now();
      const input: ConnectorPingInput = { connectorName: target.connectorName, timeoutMs: options.timeoutMs };
      const elapsed = () => Math.round(performance.now() - started);
      try {
        const result = await client.workflow.execute<(input: ConnectorPingInput) => Promise<ConnectorPingResult>>(
          connectorPingWorkflowType,
          {
            taskQueue: options.taskQueue,
            workflowId: `wfb-connector-ping-${target.connectorId}-${randomUUID()}`,
            args: [input],
            // Workers pick the ping up within this, or the test reports a timeout.
            workflowExecutionTimeout: options.timeoutMs + 2_000,
          },
        );
        return { ok: result.ok, latencyMs: elapsed(), nexusLatencyMs: result.nexusLatencyMs, error: result.error };
      } catch (error) {
        const timedOut = error instanceof WorkflowFailedError && error.cause?.name === 'TimeoutFailure';
        return {
          ok: false,
          latencyMs: elapsed(),
          nexusLatencyMs: null,
          error: timedOut
            ? {
                kind: 'timeout',
                reason: 'no-worker',
                message: `no worker ran the ping in namespace "${target.namespace}" within ${options.timeoutMs} ms`,
              }
            : {
                kind: 'failed',
                reason: 'ping-failed',
                message: error instanceof Error ? error.message : String(error),
              },
        };
      }
    },
  };
}
