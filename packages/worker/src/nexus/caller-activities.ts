import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { PolicySource } from './policy-source.js';
import { type ProjectCallReason, reasonType } from './refusals.js';

/**
 * The caller's check before a first Nexus call: a workflow that names an endpoint that does
 * not exist fails its workflow task and retries forever (temporalio/temporal#6439), so
 * callProject asks its own worker (a local activity, answered from the in-memory policy)
 * whether the connector's endpoint exists. If it does, the call goes ahead and the target's
 * handler decides (a revoked connector's endpoint is a tombstone that refuses at once); if
 * not, the workflow gets a typed failure now.
 */
export interface ConnectorCheckInput {
  connectorName: string;
}

export interface ConnectorCheckResult {
  endpoint: string;
}

function refuse(reason: ProjectCallReason, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: reasonType(reason), message, nonRetryable: true });
}

export function createNexusCallerActivities(deps: { policy: PolicySource }) {
  return {
    async wfbCheckConnector(input: ConnectorCheckInput): Promise<ConnectorCheckResult> {
      const namespace = Context.current().info.workflowNamespace ?? '';
      const connector = await deps.policy.byCaller(namespace, input.connectorName);
      if (!connector) {
        throw refuse('unknown-connector', `this project has no connector named "${input.connectorName}"`);
      }
      if (connector.endpointReady && connector.endpointName) return { endpoint: connector.endpointName };
      switch (connector.state) {
        case 'pending_approval':
          throw refuse('pending-approval', `connector "${input.connectorName}" awaits approval by the target project`);
        case 'active':
          throw refuse('not-provisioned', `connector "${input.connectorName}" has no endpoint yet; try again shortly`);
        case 'target_deleted':
          throw refuse('target-deleted', `the project connector "${input.connectorName}" pointed at was deleted`);
        default:
          throw refuse(connector.state, `connector "${input.connectorName}" was ${connector.state}`);
      }
    },
  };
}

export type NexusCallerActivities = ReturnType<typeof createNexusCallerActivities>;
