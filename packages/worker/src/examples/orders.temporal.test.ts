import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createLogger } from '@wfb/core/logger.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { RunningWorkers } from '../run-workers.js';
import type { TemporalTestNamespace } from '../testing/temporal-test-context.js';
import { type GreeterInput, greeterWorkflowType } from './greeter.contract.js';
import {
  addItemSignal,
  approveUpdate,
  cancelSignal,
  completeSignal,
  getOrderQuery,
  getStatusQuery,
  type Order,
  type OrderWorkflowInput,
  orderFailureTypes,
  orderWorkflowType,
  type ShippingAddress,
  setShippingAddressUpdate,
} from './orders.contract.js';
import { runExampleWorkers } from './run-examples.js';

// Needs the real Temporal dev server started by vitest.global-setup.ts (or TEMPORAL_ADDRESS).
const namespace: TemporalTestNamespace = 'wfb-test-a';
const taskQueue = `orders-test-${randomUUID()}`;
const validAddress: ShippingAddress = { street: '1 Main St', city: 'Springfield', postalCode: '12345', country: 'US' };

let workers: RunningWorkers;
let connection: Connection;
let client: Client;
const handles: WorkflowHandle[] = [];

async function startOrder(customer: string): Promise<WorkflowHandle<(input: OrderWorkflowInput) => Promise<Order>>> {
  const handle = await client.workflow.start<(input: OrderWorkflowInput) => Promise<Order>>(orderWorkflowType, {
    args: [{ customer }],
    taskQueue,
    workflowId: `order-${randomUUID()}`,
  });
  handles.push(handle);
  return handle;
}

async function rejection(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = error instanceof WorkflowUpdateFailedError ? error.cause : undefined;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  if (!(cause instanceof ApplicationFailure)) throw new Error('expected an ApplicationFailure cause');
  return cause;
}

describe('example workflows against a real Temporal dev server', () => {
  beforeAll(async () => {
    const address = inject('temporalAddress');
    workers = await runExampleWorkers({
      address,
      namespaces: [namespace],
      taskQueue,
      logger: createLogger({ level: 'warn' }),
    });
    connection = await Connection.connect({ address });
    client = new Client({ connection, namespace });
  });

  afterAll(async () => {
    // Leftovers only exist when a test failed midway; they must not outlive the run on a shared server.
    await Promise.all(handles.map((handle) => handle.terminate('test cleanup').catch(() => undefined)));
    await connection?.close();
    await workers?.shutdown();
  });

  it('accumulates items from signals and answers queries', async () => {
    const order = await startOrder('ada');
    await order.signal(addItemSignal, { sku: 'sku-apple', quantity: 2 });
    await order.signal(addItemSignal, { sku: 'sku-apple', quantity: 1 });
    await order.signal(addItemSignal, { sku: 'sku-bread', quantity: 1 });
    await order.signal(addItemSignal, { sku: '', quantity: 5 });

    const state = await order.query(getOrderQuery);
    expect(state).toMatchObject({ id: order.workflowId, customer: 'ada', status: 'open' });
    expect(state.items).toEqual([
      { sku: 'sku-apple', quantity: 3 },
      { sku: 'sku-bread', quantity: 1 },
    ]);
    expect(await order.query(getStatusQuery)).toBe('open');
  });

  it('accepts a valid shipping address and returns the new state', async () => {
    const order = await startOrder('grace');
    const state = await order.executeUpdate(setShippingAddressUpdate, {
      args: [{ ...validAddress, street: '  1 Main St  ' }],
    });
    expect(state.shippingAddress).toEqual(validAddress);
    expect((await order.query(getOrderQuery)).shippingAddress).toEqual(validAddress);
  });

  it('rejects invalid addresses in the validator without changing the order', async () => {
    const order = await startOrder('linus');
    const emptyStreet = await rejection(
      order.executeUpdate(setShippingAddressUpdate, { args: [{ ...validAddress, street: ' ' }] }),
    );
    expect(emptyStreet.type).toBe(orderFailureTypes.invalidAddress);
    expect(emptyStreet.message).toContain('street is required');

    const unknownCountry = await rejection(
      order.executeUpdate(setShippingAddressUpdate, { args: [{ ...validAddress, country: 'XX' }] }),
    );
    expect(unknownCountry.type).toBe(orderFailureTypes.invalidAddress);
    expect(unknownCountry.message).toContain('country must be one of');

    expect((await order.query(getOrderQuery)).shippingAddress).toBeUndefined();
  });

  it('approves through an activity, then refuses changes and completes', async () => {
    const order = await startOrder('barbara');
    const notReady = await rejection(order.executeUpdate(approveUpdate));
    expect(notReady.type).toBe(orderFailureTypes.invalidState);

    await order.signal(addItemSignal, { sku: 'sku-coffee', quantity: 2 });
    await order.executeUpdate(setShippingAddressUpdate, { args: [validAddress] });
    const approved = await order.executeUpdate(approveUpdate);
    expect(approved).toMatchObject({ status: 'approved', total: 17.98 });

    const tooLate = await rejection(order.executeUpdate(setShippingAddressUpdate, { args: [validAddress] }));
    expect(tooLate.type).toBe(orderFailureTypes.invalidState);
    expect(tooLate.message).toContain('order is approved');

    await order.signal(completeSignal);
    expect(await order.result()).toMatchObject({ status: 'completed', total: 17.98 });
  });

  it('ends the workflow when the order is cancelled', async () => {
    const order = await startOrder('edsger');
    await order.signal(addItemSignal, { sku: 'sku-bread', quantity: 1 });
    await order.signal(cancelSignal);
    const final = await order.result();
    expect(final).toMatchObject({ status: 'cancelled', items: [{ sku: 'sku-bread', quantity: 1 }] });
  });

  it('starts the greeter and returns its greeting', async () => {
    const greeting = await client.workflow.execute<(input: GreeterInput) => Promise<string>>(greeterWorkflowType, {
      args: [{ name: 'Ada' }],
      taskQueue,
      workflowId: `greeter-${randomUUID()}`,
    });
    expect(greeting).toBe('Hello, Ada!');
  });
});
