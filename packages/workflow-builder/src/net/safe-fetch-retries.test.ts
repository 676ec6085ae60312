import { describe, expect, it } from 'vitest';
import { BlockedAddressError } from './errors.js';
import { createIpPolicy } from './ip-policy.js';
import { createSafeDispatcher } from './safe-dispatcher.js';
import { safeFetch } from './safe-fetch.js';
import { failure, fastRetry, useFetchFixture } from './testing/fetch-fixture.js';

const fx = useFetchFixture();

describe('retries', () => {
  it('retries a 503 after the Retry-After delay', async () => {
    const server = await fx.serve((_request, response, index) => {
      if (index === 0) response.writeHead(503, { 'retry-after': '1' }).end('busy');
      else response.end('done');
    });
    const started = Date.now();
    const result = await safeFetch(`${server.origin}/`, {}, fx.allowLocal());
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(result).toMatchObject({ status: 200, attempts: 2 });
    expect(server.requests).toHaveLength(2);
  });

  it('gives up after maxRetries and returns the last response', async () => {
    const server = await fx.serve((_request, response) => response.writeHead(502).end('bad gateway'));
    const result = await safeFetch(
      `${server.origin}/`,
      {},
      fx.allowLocal({ retry: { maxRetries: 2, baseDelayMs: 1 } }),
    );
    expect(result).toMatchObject({ status: 502, attempts: 3 });
    expect(result.body.toString()).toBe('bad gateway');
  });

  it('does not wait for a Retry-After beyond the cap', async () => {
    const server = await fx.serve((_request, response) => response.writeHead(429, { 'retry-after': '3600' }).end());
    const result = await safeFetch(`${server.origin}/`, {}, fx.allowLocal());
    expect(result).toMatchObject({ status: 429, attempts: 1 });
    expect(result.headers['retry-after']).toBe('3600');
  });

  it('does not retry POST unless forced', async () => {
    const server = await fx.serve((_request, response, index) => response.writeHead(index === 0 ? 503 : 201).end());
    const first = await safeFetch(`${server.origin}/`, { method: 'POST', body: 'x' }, fx.allowLocal());
    expect(first).toMatchObject({ status: 503, attempts: 1 });
    const forced = await safeFetch(
      `${server.origin}/`,
      { method: 'POST', body: 'x' },
      fx.allowLocal({ retry: { baseDelayMs: 1, retryNonIdempotent: true } }),
    );
    expect(forced).toMatchObject({ status: 201, attempts: 1 });
    expect(server.requests.map((request) => request.body)).toEqual(['x', 'x']);
  });

  it('replays a forced POST body on retry', async () => {
    const server = await fx.serve((_request, response, index) => response.writeHead(index === 0 ? 503 : 200).end());
    const result = await safeFetch(
      `${server.origin}/`,
      { method: 'POST', body: 'again' },
      fx.allowLocal({ retry: { baseDelayMs: 1, retryNonIdempotent: true } }),
    );
    expect(result).toMatchObject({ status: 200, attempts: 2 });
    expect(server.requests.map((request) => request.body)).toEqual(['again', 'again']);
  });

  it('retries a GET after a dropped connection', async () => {
    const server = await fx.serve((_request, response, index) => {
      if (index === 0) response.socket?.destroy();
      else response.end('recovered');
    });
    const result = await safeFetch(`${server.origin}/`, {}, fx.allowLocal());
    expect(result).toMatchObject({ status: 200, attempts: 2 });
    expect(result.body.toString()).toBe('recovered');
  });

  it('does not retry refused destinations', async () => {
    let calls = 0;
    const dispatcher = createSafeDispatcher({
      policy: createIpPolicy(),
      lookup: async () => {
        calls += 1;
        return [{ address: '10.1.2.3', family: 4 }];
      },
    });
    const error = await failure(safeFetch('http://internal.example/', {}, { dispatcher, ...fastRetry }));
    await dispatcher.close();
    expect(error).toBeInstanceOf(BlockedAddressError);
    expect(calls).toBe(1);
  });
});
