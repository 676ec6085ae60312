import { Agent, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test/test-app.js';
import { EnvError, parseEnv } from './env.js';
import { shutdownGraceOf } from './settings.js';

function get(agent: Agent, port: number, path: string) {
  return new Promise<{ status: number; connection: string | undefined }>((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port, path, agent }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, connection: response.headers.connection }));
    });
    request.on('error', reject);
    request.end();
  });
}

describe('shutdown with keep-alive clients', () => {
  let testApp: TestApp;
  let release: () => void = () => undefined;
  let arrived: Promise<void>;

  beforeAll(async () => {
    testApp = await createTestApp('pglite');
    let markArrived: () => void = () => undefined;
    arrived = new Promise((resolve) => (markArrived = resolve));
    const held = new Promise<void>((resolve) => (release = resolve));
    // A request that is still being served when shutdown begins.
    testApp.app.server.get('/test/slow', async () => {
      markArrived();
      await held;
      return { done: true };
    });
    await testApp.app.server.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => {
    await testApp.database.close();
  });

  it('answers the in-flight request with Connection: close and finishes closing without waiting for the client', async () => {
    const port = (testApp.app.server.server.address() as AddressInfo).port;
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    // An idle keep-alive connection, and one whose request is in flight.
    expect((await get(agent, port, '/healthz')).status).toBe(200);
    const inFlight = get(agent, port, '/test/slow');
    await arrived;
    const closing = testApp.app.close();
    // Shutdown has begun (its preClose hooks ran) while the request is still being served.
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const answered = await inFlight;
    expect(answered).toEqual({ status: 200, connection: 'close' });
    const closed = await Promise.race([
      closing.then(() => 'closed' as const),
      new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 10_000).unref()),
    ]);
    expect(closed).toBe('closed');
    agent.destroy();
  });
});

describe('shutdown grace', () => {
  it('defaults to the gateway deadline plus a margin, and refuses a grace that does not exceed it', () => {
    expect(shutdownGraceOf(parseEnv({}))).toBe(15_000);
    expect(shutdownGraceOf(parseEnv({ GATEWAY_DEADLINE_MS: '2000' }))).toBe(7_000);
    expect(shutdownGraceOf(parseEnv({ SHUTDOWN_GRACE_MS: '30000' }))).toBe(30_000);
    expect(() => parseEnv({ SHUTDOWN_GRACE_MS: '10000' })).toThrow(EnvError);
    expect(() => parseEnv({ SHUTDOWN_GRACE_MS: '10000' })).toThrow(/must exceed GATEWAY_DEADLINE_MS/);
  });
});
