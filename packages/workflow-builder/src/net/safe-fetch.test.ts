import { describe, expect, it } from 'vitest';
import { BlockedAddressError, OutboundTimeoutError, OutboundUrlError, ResponseTooLargeError } from './errors.js';
import { safeFetch } from './safe-fetch.js';
import { failure, useFetchFixture } from './testing/fetch-fixture.js';

const fx = useFetchFixture();

describe('destination checks', () => {
  it.each([
    ['http://10.0.0.1/', 'private'],
    ['http://169.254.169.254/latest/meta-data/', 'link-local'],
    ['http://[::1]/', 'loopback'],
    ['http://[::ffff:169.254.169.254]/', 'ipv4-mapped link-local'],
    ['http://[::ffff:7f00:1]:8080/', 'ipv4-mapped loopback'],
    ['http://0.0.0.0/', 'unspecified'],
    ['http://2130706433/', 'loopback'],
    ['http://0x7f.1/', 'loopback'],
    ['http://100.100.100.200/', 'cgnat'],
  ])('refuses %s before connecting', async (url, category) => {
    const error = await failure(safeFetch(url, {}, { dispatcher: fx.strict }));
    expect(error).toBeInstanceOf(BlockedAddressError);
    expect((error as BlockedAddressError).category).toBe(category);
  });

  it('refuses loopback through DNS when not allow-listed', async () => {
    const server = await fx.serve((_request, response) => response.end('ok'));
    for (const host of ['localhost', 'app.public.example']) {
      const error = await failure(safeFetch(`http://${host}:${server.port}/`, {}, { dispatcher: fx.strict }));
      expect(error).toBeInstanceOf(BlockedAddressError);
      expect(error.message).toContain(host);
    }
    expect(server.requests).toHaveLength(0);
  });

  it.each([
    'ftp://example.com/',
    'file:///etc/passwd',
    'data:text/plain,hi',
    'not a url',
    'https://user:pw@example.com/',
  ])('refuses %s', async (url) => {
    const error = await failure(safeFetch(url, {}, { dispatcher: fx.strict }));
    expect(error).toBeInstanceOf(OutboundUrlError);
    expect(error.message).not.toContain('pw');
  });

  it('refuses nonsensical limits', async () => {
    for (const limits of [{ timeoutMs: Number.NaN }, { maxRedirects: -1 }, { maxResponseBytes: -5 }]) {
      await expect(safeFetch('https://example.com/', {}, { dispatcher: fx.strict, ...limits })).rejects.toThrow(
        RangeError,
      );
    }
  });

  it('refuses the CONNECT method', async () => {
    await expect(safeFetch('https://example.com/', { method: 'CONNECT' }, { dispatcher: fx.strict })).rejects.toThrow(
      OutboundUrlError,
    );
  });

  it('reaches allow-listed addresses and reports the response', async () => {
    const server = await fx.serve((request, response) => {
      response.setHeader('x-echo', request.headers['x-trace'] ?? '');
      response.end(`hello ${request.method} ${request.body}`);
    });
    const result = await safeFetch(
      `http://app.public.example:${server.port}/items?x=1`,
      { method: 'put', headers: { 'X-Trace': 't1' }, body: 'payload' },
      fx.allowLocal(),
    );
    expect(result).toMatchObject({
      status: 200,
      url: `http://app.public.example:${server.port}/items?x=1`,
      redirects: 0,
      attempts: 1,
    });
    expect(result.body.toString()).toBe('hello PUT payload');
    expect(result.headers['x-echo']).toBe('t1');
  });
});

describe('limits', () => {
  it('refuses a body larger than the cap announced by Content-Length', async () => {
    const server = await fx.serve((_request, response) => response.end(Buffer.alloc(20_000)));
    const error = await failure(safeFetch(`${server.origin}/`, {}, fx.allowLocal({ maxResponseBytes: 10_000 })));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
  });

  it('stops reading a chunked body once it exceeds the cap', async () => {
    let closedEarly = false;
    let sent = 0;
    const server = await fx.serve((_request, response) => {
      response.on('close', () => {
        closedEarly = !response.writableFinished;
      });
      const timer = setInterval(() => {
        if (response.destroyed || sent > 50_000_000) {
          clearInterval(timer);
          response.end();
          return;
        }
        response.write(Buffer.alloc(4_096));
        sent += 4_096;
      }, 1);
    });
    const error = await failure(safeFetch(`${server.origin}/`, {}, fx.allowLocal({ maxResponseBytes: 16_384 })));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closedEarly).toBe(true);
    expect(sent).toBeLessThan(1_000_000);
  });

  it('accepts a body exactly at the cap', async () => {
    const server = await fx.serve((_request, response) => response.end(Buffer.alloc(1_000, 1)));
    const result = await safeFetch(`${server.origin}/`, {}, fx.allowLocal({ maxResponseBytes: 1_000 }));
    expect(result.body).toHaveLength(1_000);
  });

  it('times out when the server does not answer', async () => {
    const server = await fx.serve(() => undefined);
    const started = Date.now();
    const error = await failure(safeFetch(`${server.origin}/`, {}, fx.allowLocal({ timeoutMs: 200 })));
    expect(error).toBeInstanceOf(OutboundTimeoutError);
    expect(error.message).toContain('127.0.0.1');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('times out when the body stalls', async () => {
    const server = await fx.serve((_request, response) => response.write('partial'));
    const error = await failure(safeFetch(`${server.origin}/`, {}, fx.allowLocal({ timeoutMs: 200 })));
    expect(error).toBeInstanceOf(OutboundTimeoutError);
  });

  it("surfaces the caller's abort reason rather than a timeout", async () => {
    const server = await fx.serve(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('caller gave up')), 50);
    const error = await failure(safeFetch(`${server.origin}/`, { signal: controller.signal }, fx.allowLocal()));
    expect(error.message).toBe('caller gave up');
  });
});
