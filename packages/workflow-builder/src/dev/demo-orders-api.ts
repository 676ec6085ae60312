import type { HttpMethod, ServiceInterfaceType } from '@wfb/core/db/schema.services.js';
import {
  addItemSignal,
  approveUpdate,
  cancelSignal,
  completeSignal,
  getOrderQuery,
  getStatusQuery,
  orderWorkflowType,
  setShippingAddressUpdate,
} from '@wfb/worker/examples/orders.contract.js';

/**
 * The example worker's `orders` entity published as a REST API: what the demo seeds, and what
 * end-to-end tests and the benchmark call. Names come from the worker's contract file, so the
 * two cannot drift apart. Each order is one workflow, named by the `{orderId}` path segment.
 */
export interface DemoRouteDefinition {
  key: string;
  method: HttpMethod;
  path: string;
}

export interface DemoInterfaceDefinition {
  name: string;
  displayName: string;
  type: ServiceInterfaceType;
  callableName?: string;
  inputSchema?: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  routes: DemoRouteDefinition[];
}

const text = (maxLength: number) => ({ type: 'string', minLength: 1, maxLength });

const orderSchema = {
  type: 'object',
  required: ['id', 'customer', 'items', 'status'],
  properties: {
    id: { type: 'string' },
    customer: { type: 'string' },
    items: {
      type: 'array',
      items: { type: 'object', properties: { sku: { type: 'string' }, quantity: { type: 'integer' } } },
    },
    status: { enum: ['open', 'approved', 'completed', 'cancelled'] },
    shippingAddress: { type: 'object' },
    total: { type: 'number' },
  },
};

export const ordersService = {
  name: 'orders',
  displayName: 'Orders',
  description: 'One workflow per order: add items, set the address, approve, then complete or cancel.',
  workflowType: orderWorkflowType,
  workflowIdParam: 'orderId',
};

export const ordersInterfaces: DemoInterfaceDefinition[] = [
  {
    name: 'create-order',
    displayName: 'Create an order',
    type: 'start',
    inputSchema: {
      type: 'object',
      required: ['customer'],
      properties: { customer: text(100) },
      additionalProperties: false,
    },
    routes: [
      { key: 'createOrder', method: 'POST', path: '/orders/{orderId}' },
      { key: 'createOrderAnyId', method: 'POST', path: '/orders' },
    ],
  },
  {
    name: 'add-item',
    displayName: 'Add an item',
    type: 'signal',
    callableName: addItemSignal.name,
    inputSchema: {
      type: 'object',
      required: ['sku', 'quantity'],
      properties: { sku: text(64), quantity: { type: 'integer', minimum: 1, maximum: 1000 } },
      additionalProperties: false,
    },
    routes: [{ key: 'addItem', method: 'POST', path: '/orders/{orderId}/items' }],
  },
  {
    name: 'get-order',
    displayName: 'Get an order',
    type: 'query',
    callableName: getOrderQuery.name,
    outputSchema: orderSchema,
    routes: [{ key: 'getOrder', method: 'GET', path: '/orders/{orderId}' }],
  },
  {
    name: 'get-status',
    displayName: "Get an order's status",
    type: 'query',
    callableName: getStatusQuery.name,
    outputSchema: orderSchema.properties.status,
    routes: [{ key: 'getStatus', method: 'GET', path: '/orders/{orderId}/status' }],
  },
  {
    name: 'set-shipping-address',
    displayName: 'Set the shipping address',
    type: 'update',
    callableName: setShippingAddressUpdate.name,
    inputSchema: {
      type: 'object',
      required: ['street', 'city', 'postalCode', 'country'],
      properties: {
        street: text(200),
        city: text(100),
        postalCode: text(20),
        country: { type: 'string', pattern: '^[A-Z]{2}$' },
      },
      additionalProperties: false,
    },
    outputSchema: orderSchema,
    routes: [{ key: 'setShippingAddress', method: 'PUT', path: '/orders/{orderId}/shipping-address' }],
  },
  {
    name: 'approve',
    displayName: 'Approve an order',
    type: 'update',
    callableName: approveUpdate.name,
    outputSchema: orderSchema,
    routes: [{ key: 'approve', method: 'POST', path: '/orders/{orderId}/approve' }],
  },
  {
    name: 'cancel',
    displayName: 'Cancel an order',
    type: 'signal',
    callableName: cancelSignal.name,
    routes: [{ key: 'cancel', method: 'POST', path: '/orders/{orderId}/cancel' }],
  },
  {
    name: 'complete',
    displayName: 'Complete an order',
    type: 'signal',
    callableName: completeSignal.name,
    routes: [{ key: 'complete', method: 'POST', path: '/orders/{orderId}/complete' }],
  },
];

export type DemoRouteKey =
  | 'createOrder'
  | 'createOrderAnyId'
  | 'addItem'
  | 'getOrder'
  | 'getStatus'
  | 'setShippingAddress'
  | 'approve'
  | 'cancel'
  | 'complete';
