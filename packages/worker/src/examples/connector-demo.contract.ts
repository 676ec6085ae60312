/**
 * Shapes of the connector demo workflow, importable without the workflow sandbox: it reads
 * an order from an outside API through a connector (`http()`, credentials injected by the
 * control plane) and announces it with a fire-and-forget `webhook()`.
 */
export const connectorDemoWorkflowType = 'connectorDemoWorkflow';

export interface ConnectorDemoInput {
  /** A connector of the workflow's project, e.g. the dev command's `demo-echo`. */
  connector: string;
  orderId: string;
}

export interface ConnectorDemoResult {
  status: number;
  /** What the API answered; an echo of our request shows the injected key as "[redacted]". */
  body: unknown;
  selected: Record<string, unknown[]>;
  /** The webhook's outcome: `scheduled` (with the delivery's workflow id) or `skipped`. */
  notice: unknown;
}
