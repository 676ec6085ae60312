import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import { TRPCError } from '@trpc/server';
import { createLogger } from '@wfb/core/logger.js';
import { type App, type AppOverrides, createApp } from '../src/app.js';
import { appRouter } from '../src/app-router.js';
import { mintToken } from '../src/auth/jwt.js';
import { parseEnv } from '../src/env.js';
import { createCallerFactory } from '../src/trpc/trpc.js';
import { createTestDatabase, type DriverKind, type TestDatabase } from './databases.js';

export const testJwtSecret = 'test-jwt-secret-0123456789abcdefghijklmnopqrstuvwxyz';
export const testPepper = 'test-pepper-0123456789abcdefghijklmnopqrstuvwxyz';

export interface TestApp {
  app: App;
  database: TestDatabase;
  /** Every log line the app wrote, for secret scanning. */
  logs: string[];
  token(userId?: string): Promise<string>;
  trpc<T = unknown>(
    token: string | undefined,
    path: string,
    input?: unknown,
    kind?: 'query' | 'mutation',
  ): Promise<{ status: number; body: TrpcBody<T>; raw: string }>;
  close(): Promise<void>;
}

export type TrpcBody<T> =
  | { result: { data: T }; error?: undefined }
  | { error: { message: string; code: number; data: { code: string; httpStatus: number; issues?: unknown } } };

function testEnv(env: Record<string, string>) {
  return parseEnv({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    // Request lines stay in the logs the secret scans read.
    ACCESS_LOG: 'true',
    SUPABASE_JWT_SECRET: testJwtSecret,
    API_KEY_PEPPER: testPepper,
    API_KEY_ENV: 'test',
    DATA_DIR: '.data/test-unused',
    TEMPORAL_ALLOWED_NAMESPACES: 'default,wfb-test-a,wfb-test-b',
    ...env,
  });
}

/** Another instance of the app on `database` (which it does not close), as a second server would be. */
export function createAppOn(database: TestDatabase, env: Record<string, string> = {}): Promise<App> {
  const parsed = testEnv(env);
  return createApp(parsed, createLogger({ level: parsed.LOG_LEVEL }), { database });
}

export async function createTestApp(
  kind: DriverKind,
  env: Record<string, string> = {},
  overrides: Omit<AppOverrides, 'database'> = {},
): Promise<TestApp> {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      logs.push(String(chunk));
      callback();
    },
  });
  const database = await createTestDatabase(kind);
  const parsed = testEnv(env);
  const app = await createApp(parsed, createLogger({ level: parsed.LOG_LEVEL, destination }), {
    ...overrides,
    database,
  });
  return {
    app,
    database,
    logs,
    token: (userId = randomUUID()) => mintToken({ secret: testJwtSecret, userId }),
    async trpc(token, path, input, kind = 'mutation') {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (token) headers.authorization = `Bearer ${token}`;
      const response =
        kind === 'query'
          ? await app.server.inject({
              method: 'GET',
              url: `/trpc/${path}${input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`}`,
              headers,
            })
          : await app.server.inject({
              method: 'POST',
              url: `/trpc/${path}`,
              headers,
              payload: JSON.stringify(input ?? {}),
            });
      return { status: response.statusCode, body: response.json(), raw: response.body };
    },
    async close() {
      await app.close();
      await database.close();
    },
  };
}

/** A tRPC caller acting as `userId`, with no HTTP in between (STYLE: routers through createCaller). */
export function callerFor(testApp: TestApp, userId: string, requestId = randomUUID()) {
  const createCaller = createCallerFactory(appRouter);
  return createCaller({
    requestId,
    logger: testApp.app.server.log,
    database: testApp.app.database,
    services: testApp.app.services,
    keyVerifier: testApp.app.keyVerifier,
    user: { id: userId, email: undefined, claims: { sub: userId, role: 'authenticated' } },
    authError: undefined,
  });
}

/** The tRPC error code and message a call ends with, or 'OK' and ''; for asserting on bad paths. */
export async function trpcFailure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return { code: error.code, message: error.message };
    throw error;
  }
  return { code: 'OK', message: '' };
}

/** The tRPC error code a call ends with, or 'OK'; for asserting on bad paths. */
export async function trpcCode(promise: Promise<unknown>): Promise<string> {
  return (await trpcFailure(promise)).code;
}

/** Input of `workflows.create` for the usual test service: orders named by their `{orderId}` path segment. */
export function ordersService(projectId: string, taskQueue = 'q') {
  return {
    projectId,
    name: 'orders',
    workflowType: 'orderWorkflow',
    taskQueue,
    workflowIdSource: { mode: 'path_param' as const, param: 'orderId' },
  };
}
