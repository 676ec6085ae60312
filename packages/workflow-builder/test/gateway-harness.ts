import { randomUUID } from 'node:crypto';
import { createLogger } from '@wfb/core/logger.js';
import { runExampleWorkers } from '@wfb/worker/examples/run-examples.js';
import type { RunningWorkers } from '@wfb/worker/run-workers.js';
import type { TemporalTestNamespace } from '@wfb/worker/testing/temporal-test-context.js';
import { type DemoSeed, seedDemo } from '../src/dev/demo-seed.js';
import type { DriverKind } from './databases.js';
import { createAppOn, createTestApp, type TestApp } from './test-app.js';

/**
 * Public-gateway tests against a real Temporal dev server (vitest global setup) and a real
 * HTTP listener: two tenants seeded like the demo, `alpha` in namespace wfb-test-a and
 * `beta` in wfb-test-b, served by example workers on a task queue of the test file's own.
 */
export interface GatewayResponse {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body; `{}` when it was empty or not JSON. */
  json: Record<string, unknown>;
}

export interface CallInit {
  key?: string | undefined;
  body?: unknown;
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface GatewayHarness {
  testApp: TestApp;
  baseUrl: string;
  alpha: DemoSeed;
  beta: DemoSeed;
  alphaOwner: string;
  betaOwner: string;
  call(method: string, url: string, init?: CallInit): Promise<GatewayResponse>;
  close(): Promise<void>;
}

/** Also loads vitest's `inject('temporalAddress')` typing from the worker package. */
const testNamespaces: TemporalTestNamespace[] = ['wfb-test-a', 'wfb-test-b'];

export function startExampleWorkers(address: string, taskQueue: string): Promise<RunningWorkers> {
  return runExampleWorkers({
    address,
    namespaces: testNamespaces,
    taskQueue,
    logger: createLogger({ level: 'warn' }),
  });
}

export async function call(
  baseUrl: string,
  method: string,
  url: string,
  init: CallInit = {},
): Promise<GatewayResponse> {
  const headers: Record<string, string> = { ...init.headers };
  if (init.key) headers['x-api-key'] = init.key;
  let body: string | undefined = init.rawBody;
  if (init.body !== undefined) body = JSON.stringify(init.body);
  if (body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-type')) {
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(url.startsWith('http') ? url : `${baseUrl}${url}`, { method, headers, body });
  const text = await response.text();
  let json: Record<string, unknown> = {};
  try {
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (typeof parsed === 'object' && parsed !== null) json = parsed as Record<string, unknown>;
  } catch {
    json = {};
  }
  return { status: response.status, headers: response.headers, text, json } satisfies GatewayResponse;
}

/** A second app instance on the harness's database, listening on its own port: what a second server would answer. */
export async function startSecondInstance(
  h: GatewayHarness,
  options: { temporalAddress: string; env?: Record<string, string> },
): Promise<{ call: GatewayHarness['call']; close(): Promise<void> }> {
  const app = await createAppOn(h.testApp.database, {
    TEMPORAL_ADDRESS: options.temporalAddress,
    LOG_LEVEL: 'warn',
    ...options.env,
  });
  await app.server.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  return {
    call: (method, url, init) => call(baseUrl, method, url.replace(h.baseUrl, baseUrl), init),
    close: () => app.close(),
  };
}

export async function startGatewayHarness(
  kind: DriverKind,
  options: { temporalAddress: string; taskQueue: string; env?: Record<string, string> },
): Promise<GatewayHarness> {
  const testApp = await createTestApp(kind, {
    TEMPORAL_ADDRESS: options.temporalAddress,
    LOG_LEVEL: 'warn',
    ...options.env,
  });
  await testApp.app.server.listen({ host: '127.0.0.1', port: 0 });
  const address = testApp.app.server.server.address();
  if (!address || typeof address === 'string') throw new Error('server has no TCP address');
  const baseUrl = `http://127.0.0.1:${address.port}`;
  const alphaOwner = randomUUID();
  const betaOwner = randomUUID();
  const seed = (userId: string, projectSlug: string, namespace: string) =>
    seedDemo({ app: testApp.app, userId, projectSlug, namespace, taskQueue: options.taskQueue, baseUrl });
  const alpha = await seed(alphaOwner, 'alpha', 'wfb-test-a');
  const beta = await seed(betaOwner, 'beta', 'wfb-test-b');
  return {
    testApp,
    baseUrl,
    alpha,
    beta,
    alphaOwner,
    betaOwner,
    call: (method, url, init) => call(baseUrl, method, url, init),
    close: () => testApp.close(),
  };
}

/** A URL of a seeded route with `{orderId}` filled in. */
export function orderUrl(seed: DemoSeed, key: keyof DemoSeed['routes'], orderId: string): string {
  return seed.routes[key].url.replace('{orderId}', encodeURIComponent(orderId));
}
