import type { LookupAddress } from 'node:dns';
import { lookup as osLookup } from 'node:dns/promises';
import { afterAll, afterEach } from 'vitest';
import { createIpPolicy } from '../ip-policy.js';
import { createSafeDispatcher, type SafeDispatcher } from '../safe-dispatcher.js';
import type { SafeFetchOptions } from '../safe-fetch.js';
import { type Handler, type LocalServer, startLocalServer } from './local-server.js';

/**
 * Test support for safeFetch suites: two dispatchers sharing a fake DNS in which
 * `*.public.example` resolves to 127.0.0.1 and `*.internal.example` to the metadata
 * address (other names use the OS resolver). `open` allow-lists 127.0.0.1/32 so the
 * local servers are reachable; `strict` uses the default policy. Servers started with
 * `serve` are closed after each test.
 */
export interface FetchFixture {
  open: SafeDispatcher;
  strict: SafeDispatcher;
  serve(handler: Handler): Promise<LocalServer>;
  allowLocal(extra?: Partial<SafeFetchOptions>): SafeFetchOptions;
}

export const fastRetry = { retry: { baseDelayMs: 5, maxDelayMs: 20 } } as const;

export function useFetchFixture(): FetchFixture {
  const lookup = async (hostname: string): Promise<LookupAddress[]> => {
    if (hostname.endsWith('.public.example')) return [{ address: '127.0.0.1', family: 4 }];
    if (hostname.endsWith('.internal.example')) return [{ address: '169.254.169.254', family: 4 }];
    return osLookup(hostname, { all: true });
  };
  const open = createSafeDispatcher({ policy: createIpPolicy({ allowCidrs: '127.0.0.1/32' }), lookup });
  const strict = createSafeDispatcher({ policy: createIpPolicy(), lookup });
  const servers: LocalServer[] = [];

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  afterAll(async () => {
    await Promise.all([open.close(), strict.close()]);
  });

  return {
    open,
    strict,
    serve: async (handler) => {
      const server = await startLocalServer(handler);
      servers.push(server);
      return server;
    },
    allowLocal: (extra = {}) => ({ dispatcher: open, ...fastRetry, ...extra }),
  };
}

/** The error a promise rejects with; fails the test if it resolves or rejects with a non-Error. */
export async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`non-Error rejection: ${String(error)}`);
  }
  throw new Error('expected a rejection');
}
