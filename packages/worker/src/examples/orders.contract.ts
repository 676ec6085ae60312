import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/**
 * The public surface of the order entity: message definitions and the shapes they carry.
 * Clients, Nexus handlers and tests import this file; only workflows.ts pulls in the
 * workflow implementation, which must stay inside the worker's sandbox bundle.
 */
export const orderWorkflowType = 'orderWorkflow';

export type OrderStatus = 'open' | 'approved' | 'completed' | 'cancelled';

export interface OrderItem {
  sku: string;
  quantity: number;
}

export interface ShippingAddress {
  street: string;
  city: string;
  postalCode: string;
  country: string;
}

export interface Order {
  id: string;
  customer: string;
  items: OrderItem[];
  status: OrderStatus;
  shippingAddress?: ShippingAddress;
  total?: number;
}

export interface OrderWorkflowInput {
  customer: string;
  /** Carried across continue-as-new; callers starting a fresh order leave it out. */
  resumeFrom?: Order;
}

/** ISO 3166-1 alpha-2 codes the example ships to; anything else is rejected by the validator. */
export const supportedCountries: readonly string[] = ['AU', 'CA', 'DE', 'ES', 'FR', 'GB', 'IT', 'JP', 'NL', 'US'];

/** Failure types raised by update validators, so callers can branch on `cause.type`. */
export const orderFailureTypes = {
  invalidAddress: 'InvalidShippingAddress',
  invalidState: 'InvalidOrderState',
} as const;

export const addItemSignal = defineSignal<[OrderItem]>('addItem');
export const cancelSignal = defineSignal('cancel');
export const completeSignal = defineSignal('complete');

export const getOrderQuery = defineQuery<Order>('getOrder');
export const getStatusQuery = defineQuery<OrderStatus>('getStatus');

export const setShippingAddressUpdate = defineUpdate<Order, [ShippingAddress]>('setShippingAddress');
export const approveUpdate = defineUpdate<Order>('approve');
