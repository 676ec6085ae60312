import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ExampleActivities } from './activities.js';
import {
  addItemSignal,
  approveUpdate,
  cancelSignal,
  completeSignal,
  getOrderQuery,
  getStatusQuery,
  type Order,
  type OrderItem,
  type OrderWorkflowInput,
  orderFailureTypes,
  type ShippingAddress,
  setShippingAddressUpdate,
  supportedCountries,
} from './orders.contract.js';

/**
 * A long-running order entity. Signals are fire-and-forget, so bad input there is logged
 * and dropped; updates have validators so the caller learns synchronously why a change was
 * refused, and a refused update leaves no trace in history.
 */
const { priceOrder } = proxyActivities<ExampleActivities>({ startToCloseTimeout: '10 seconds' });

function invalidState(message: string): ApplicationFailure {
  return ApplicationFailure.create({ type: orderFailureTypes.invalidState, message, nonRetryable: true });
}

function isNonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim().length > 0;
}

function addressProblems(address: unknown): string[] {
  if (typeof address !== 'object' || address === null) return ['address must be an object'];
  const fields = address as Partial<Record<keyof ShippingAddress, unknown>>;
  const problems: string[] = [];
  if (!isNonEmptyString(fields.street)) problems.push('street is required');
  if (!isNonEmptyString(fields.city)) problems.push('city is required');
  if (!isNonEmptyString(fields.postalCode)) problems.push('postalCode is required');
  if (typeof fields.country !== 'string' || !supportedCountries.includes(fields.country)) {
    problems.push(`country must be one of ${supportedCountries.join(', ')}`);
  }
  return problems;
}

function isValidItem(item: OrderItem): boolean {
  return isNonEmptyString(item.sku) && Number.isInteger(item.quantity) && item.quantity > 0;
}

export async function orderWorkflow(input: OrderWorkflowInput): Promise<Order> {
  const order: Order = input.resumeFrom ?? {
    id: workflowInfo().workflowId,
    customer: input.customer,
    items: [],
    status: 'open',
  };

  const requireOpen = (action: string): void => {
    if (order.status !== 'open') throw invalidState(`cannot ${action}: order is ${order.status}`);
  };

  setHandler(getOrderQuery, () => order);
  setHandler(getStatusQuery, () => order.status);

  setHandler(addItemSignal, (item) => {
    if (order.status !== 'open' || !isValidItem(item)) {
      log.warn('addItem ignored', { status: order.status, item });
      return;
    }
    const existing = order.items.find((line) => line.sku === item.sku);
    if (existing) existing.quantity += item.quantity;
    else order.items.push({ sku: item.sku, quantity: item.quantity });
  });

  setHandler(cancelSignal, () => {
    if (order.status === 'open' || order.status === 'approved') order.status = 'cancelled';
  });

  setHandler(completeSignal, () => {
    if (order.status === 'open' || order.status === 'approved') order.status = 'completed';
  });

  setHandler(
    setShippingAddressUpdate,
    (address) => {
      // Copy only the known fields so stray properties never end up in workflow state.
      order.shippingAddress = {
        street: address.street.trim(),
        city: address.city.trim(),
        postalCode: address.postalCode.trim(),
        country: address.country,
      };
      return order;
    },
    {
      validator: (address) => {
        requireOpen('change the shipping address');
        const problems = addressProblems(address);
        if (problems.length > 0) {
          throw ApplicationFailure.create({
            type: orderFailureTypes.invalidAddress,
            message: problems.join('; '),
            nonRetryable: true,
          });
        }
      },
    },
  );

  setHandler(
    approveUpdate,
    async () => {
      const total = await priceOrder(order.items);
      // A cancel may have landed while pricing ran; approving a cancelled order would be wrong.
      requireOpen('approve');
      order.total = total;
      order.status = 'approved';
      return order;
    },
    {
      validator: () => {
        requireOpen('approve');
        if (order.items.length === 0) throw invalidState('cannot approve: order has no items');
        if (!order.shippingAddress) throw invalidState('cannot approve: shipping address is missing');
      },
    },
  );

  const finished = (): boolean => order.status === 'completed' || order.status === 'cancelled';
  await condition(() => finished() || workflowInfo().continueAsNewSuggested);
  // Let in-flight updates reply before the run ends or hands over to its successor.
  await condition(allHandlersFinished);
  if (!finished()) {
    return continueAsNew<typeof orderWorkflow>({ customer: order.customer, resumeFrom: order });
  }
  return order;
}
