import { http } from '../workflow/http.js';
import { webhook } from '../workflow/webhook.js';
import type { ConnectorDemoInput, ConnectorDemoResult } from './connector-demo.contract.js';

export async function connectorDemoWorkflow(input: ConnectorDemoInput): Promise<ConnectorDemoResult> {
  const order = await http({
    connector: input.connector,
    path: `/orders/${encodeURIComponent(input.orderId)}`,
    query: { expand: 'items' },
    select: { path: '$.path', injectedKey: '$.headers["x-demo-key"]' },
  });
  // Announced without waiting: the delivery (and its retries) outlives this workflow.
  const notice = await webhook({
    connector: input.connector,
    path: '/notifications',
    body: '{"text": "order {{orderId}} fetched with status {{status}}"}',
    vars: { orderId: input.orderId, status: order.status },
    condition: 'status < 300',
    mode: 'fire-and-forget',
  });
  return { status: order.status, body: order.body, selected: order.selected, notice };
}
