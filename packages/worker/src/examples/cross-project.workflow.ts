import { callProject, projectCallErrorInfo } from '../workflow/index.js';
import type { Order } from './orders.contract.js';

/**
 * The example cross-project caller the dev demo prints a command for: through connector
 * `connector` it opens an order in the other project (a start; an order that already runs
 * is fine), adds an item (a signal) and reads the order back (a query).
 */
export interface CrossProjectOrderInput {
  connector: string;
  orderId: string;
  customer: string;
  sku?: string;
}

export async function crossProjectOrderWorkflow(input: CrossProjectOrderInput): Promise<Order> {
  const orders = callProject(input.connector, { timeout: '20 seconds' });
  try {
    await orders.start('create-order', { workflowId: input.orderId, input: { customer: input.customer } });
  } catch (error) {
    if (projectCallErrorInfo(error)?.reason !== 'already-started') throw error;
  }
  await orders.signal('add-item', {
    workflowId: input.orderId,
    input: { sku: input.sku ?? 'sku-coffee', quantity: 1 },
  });
  return orders.query<Order>('get-order', { workflowId: input.orderId });
}
