/**
 * The built-in workflow `projectConnectors.test` starts in the source project's namespace (on
 * the Nexus task queue the worker fleet serves there): it pings the target through the real
 * endpoint, as any caller workflow would. Shared by the control plane (which starts it by
 * name) and the worker (which implements it), so neither imports the other.
 */
export const connectorPingWorkflowType = 'wfbConnectorPing';

export interface ConnectorPingInput {
  connectorName: string;
  /** Bounds the Nexus call, so a ping never outlives the test that started it. */
  timeoutMs: number;
}

export interface ConnectorPingResult {
  ok: boolean;
  /** The Nexus call as the caller workflow measured it (workflow clock, ms resolution). */
  nexusLatencyMs: number | null;
  error: { kind: string; reason: string; message: string } | null;
}
