import * as nexus from 'nexus-rpc';

/**
 * The one Nexus service every project connector endpoint serves, shared by the caller
 * (callProject in workflow code) and the handler (the target project's worker). Operations
 * mirror interface types; `interface` names a service interface the connector allows, and
 * `workflowId` picks the entity when the service takes its workflow id from the call.
 * Pure and free of Node APIs: it is bundled into the workflow sandbox.
 */
export const projectConnectorServiceName = 'wfb-project-connector';

export interface InterfaceCall {
  interface: string;
  workflowId?: string;
  input?: unknown;
}

export interface SignalOutcome {
  workflowId: string;
}

export interface CallOutcome {
  workflowId: string;
  result: unknown;
}

export interface PingOutcome {
  connectorId: string;
  /** The namespace that answered: the target project's. */
  namespace: string;
}

export const projectConnectorService = nexus.service(projectConnectorServiceName, {
  signal: nexus.operation<InterfaceCall, SignalOutcome>(),
  query: nexus.operation<InterfaceCall, CallOutcome>(),
  update: nexus.operation<InterfaceCall, CallOutcome>(),
  /** A workflow-run operation: its result is the started workflow's result. */
  start: nexus.operation<InterfaceCall, unknown>(),
  ping: nexus.operation<{ note?: string }, PingOutcome>(),
});

export type ProjectConnectorService = typeof projectConnectorService;
