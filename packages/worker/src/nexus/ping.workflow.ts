import type { ConnectorPingInput, ConnectorPingResult } from '@wfb/core/nexus/connector-ping.js';
import { callProject } from '../workflow/call-project.js';
import { projectCallErrorInfo } from '../workflow/project-call-error.js';

/**
 * The built-in workflow behind `projectConnectors.test`: one ping through the connector's
 * real endpoint, reported as a result (never a failure) so the control plane can show why.
 */
export async function wfbConnectorPing(input: ConnectorPingInput): Promise<ConnectorPingResult> {
  const project = callProject(input.connectorName, { timeout: input.timeoutMs });
  const started = Date.now();
  try {
    await project.ping();
    return { ok: true, nexusLatencyMs: Date.now() - started, error: null };
  } catch (error) {
    const info = projectCallErrorInfo(error);
    if (!info) throw error;
    return {
      ok: false,
      nexusLatencyMs: null,
      error: { kind: info.kind, reason: info.reason, message: error instanceof Error ? error.message : String(error) },
    };
  }
}
