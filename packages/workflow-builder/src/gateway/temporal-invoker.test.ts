import { createServer, type Server } from 'node:net';
import type { Client, Connection } from '@temporalio/client';
import { AppError } from '@wfb/core/errors.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TemporalClients } from '../temporal/temporal-clients.js';
import { createTemporalInvoker, type TemporalCall } from './temporal-invoker.js';

/**
 * The invoker against fake Temporal clients: which failures start the gateway-wide
 * fail-fast window, and the workflow type check of caller-chosen workflow ids.
 */
const never = () => new Promise<never>(() => undefined);

/** gRPC's deadline, as the real clients apply it: DEADLINE_EXCEEDED (code 4) when time is up. */
function withDeadline<T>(deadline: number, fn: () => Promise<T>): Promise<T> {
  const expired = new Promise<never>((_resolve, reject) => {
    const timer = setTimeout(
      () => reject(Object.assign(new Error('4 DEADLINE_EXCEEDED'), { code: 4 })),
      Math.max(0, deadline - Date.now()),
    );
    timer.unref();
  });
  return Promise.race([fn(), expired]);
}

interface FakeWorkflow {
  type: string;
  query: () => Promise<unknown>;
}

function fakeClient(workflows: Record<string, FakeWorkflow>, signals: string[]) {
  const client = {
    withDeadline,
    workflow: {
      getHandle: (workflowId: string) => {
        const workflow = workflows[workflowId];
        return {
          describe: async () => {
            if (!workflow) throw new AppError('NOT_FOUND', 'no such workflow in this fake');
            return { type: workflow.type };
          },
          query: async () => workflow?.query(),
          signal: async (name: string) => {
            signals.push(`${workflowId}:${name}`);
          },
        };
      },
    },
  };
  return client as unknown as Client;
}

function fakeTemporal(options: {
  address: string;
  systemInfo: () => Promise<unknown>;
  namespaces: Record<string, Record<string, FakeWorkflow>>;
  signals?: string[];
}): TemporalClients {
  const connection = {
    withDeadline,
    workflowService: { getSystemInfo: options.systemInfo },
  } as unknown as Connection;
  return {
    address: options.address,
    connection: async () => connection,
    client: async (namespace) => fakeClient(options.namespaces[namespace] ?? {}, options.signals ?? []),
    ping: async () => undefined,
    ensureNamespace: async () => undefined,
    close: async () => undefined,
  };
}

function query(namespace: string, workflowId: string, extra: Partial<TemporalCall> = {}): TemporalCall {
  return {
    namespace,
    type: 'query',
    workflowId,
    callableName: 'getOrder',
    workflowType: 'orderWorkflow',
    taskQueue: 'q',
    input: undefined,
    idempotencyKey: undefined,
    requestFingerprint: undefined,
    ...extra,
  };
}

async function failureCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof AppError) return error.code;
    throw error;
  }
  return 'OK';
}

/** A TCP listener standing in for a Temporal frontend that accepts connections but is slow. */
async function listening(): Promise<{ address: string; server: Server }> {
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return { address: `127.0.0.1:${address.port}`, server };
}

async function closedPort(): Promise<string> {
  const { address, server } = await listening();
  await new Promise((resolve) => server.close(resolve));
  return address;
}

describe('Temporal invoker', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
    server = undefined;
  });

  const healthy: FakeWorkflow = { type: 'orderWorkflow', query: async () => ({ ok: true }) };
  const slow: FakeWorkflow = { type: 'orderWorkflow', query: never };

  it("answers 504 for one tenant's slow call, even when the probe misses, and leaves other namespaces alone", async () => {
    const frontend = await listening();
    server = frontend.server;
    const invoker = createTemporalInvoker({
      temporal: fakeTemporal({
        address: frontend.address,
        systemInfo: never,
        namespaces: { slow: { 'order-1': slow }, fast: { 'order-1': healthy } },
      }),
      deadlineMs: 100,
      probeTimeoutMs: 50,
      retryAfterSeconds: 5,
    });
    expect(await failureCode(invoker.invoke(query('slow', 'order-1')))).toBe('TIMEOUT');
    expect(await invoker.invoke(query('fast', 'order-1'))).toEqual({
      status: 200,
      body: { workflowId: 'order-1', result: { ok: true } },
    });
  });

  it('answers 503 for a call refused as unavailable while Temporal is up, without failing fast', async () => {
    const unavailable = Object.assign(new Error('14 UNAVAILABLE: shard moved'), { code: 14 });
    const invoker = createTemporalInvoker({
      temporal: fakeTemporal({
        address: await closedPort(),
        systemInfo: async () => ({}),
        namespaces: {
          busy: { 'order-1': { type: 'orderWorkflow', query: () => Promise.reject(unavailable) } },
          fast: { 'order-1': healthy },
        },
      }),
      deadlineMs: 100,
      retryAfterSeconds: 5,
    });
    expect(await failureCode(invoker.invoke(query('busy', 'order-1')))).toBe('UNAVAILABLE');
    expect((await invoker.invoke(query('fast', 'order-1'))).status).toBe(200);
  });

  it('fails fast everywhere only once Temporal stops accepting connections', async () => {
    const queried = vi.fn(async () => ({ ok: true }));
    const invoker = createTemporalInvoker({
      temporal: fakeTemporal({
        address: await closedPort(),
        systemInfo: never,
        namespaces: { slow: { 'order-1': slow }, fast: { 'order-1': { type: 'orderWorkflow', query: queried } } },
      }),
      deadlineMs: 100,
      probeTimeoutMs: 50,
      retryAfterSeconds: 5,
      failFastMs: 60_000,
    });
    expect(await failureCode(invoker.invoke(query('slow', 'order-1')))).toBe('UNAVAILABLE');
    expect(await failureCode(invoker.invoke(query('fast', 'order-1')))).toBe('UNAVAILABLE');
    expect(queried).not.toHaveBeenCalled();
  });

  it('reaches a caller-named workflow only when it runs the service workflow type', async () => {
    const signals: string[] = [];
    const invoker = createTemporalInvoker({
      temporal: fakeTemporal({
        address: '127.0.0.1:1',
        systemInfo: async () => ({}),
        namespaces: {
          shop: { 'order-1': healthy, 'payment-1': { type: 'paymentWorkflow', query: async () => 'secret' } },
        },
        signals,
      }),
      deadlineMs: 1_000,
      retryAfterSeconds: 5,
    });
    const cancel = (workflowId: string) =>
      query('shop', workflowId, { type: 'signal', callableName: 'cancel', checkWorkflowType: true });
    expect(await failureCode(invoker.invoke(cancel('payment-1')))).toBe('NOT_FOUND');
    const read = invoker.invoke(query('shop', 'payment-1', { checkWorkflowType: true }));
    expect(await failureCode(read)).toBe('NOT_FOUND');
    expect((await invoker.invoke(cancel('order-1'))).status).toBe(202);
    expect(await failureCode(invoker.invoke(cancel('missing')))).toBe('NOT_FOUND');
    expect(signals).toEqual(['order-1:cancel']);
    // Without the flag (a fixed workflow id) no check runs.
    expect((await invoker.invoke(query('shop', 'payment-1'))).body).toMatchObject({ result: 'secret' });
  });
});
