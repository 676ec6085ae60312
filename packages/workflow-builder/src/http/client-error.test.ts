import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../test/test-app.js';

/** What the server answers to raw bytes on a socket, before any HTTP client could tidy them. */
function exchange(port: number, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.end(request));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

function parse(raw: string) {
  const [head = '', body = ''] = raw.split('\r\n\r\n');
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const headers = Object.fromEntries(
    headerLines.map((line) => [
      line.slice(0, line.indexOf(':')).toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, json: JSON.parse(body) as Record<string, unknown> };
}

describe('requests refused before routing: by the HTTP parser or the router (pglite)', () => {
  let testApp: TestApp;
  let port: number;

  beforeAll(async () => {
    testApp = await createTestApp('pglite');
    await testApp.app.server.listen({ host: '127.0.0.1', port: 0 });
    const address = testApp.app.server.server.address();
    if (!address || typeof address === 'string') throw new Error('no TCP address');
    port = address.port;
  });
  afterAll(async () => {
    await testApp.close();
  });

  it('answers an unknown method with the same problem body as every other 400 (found by the fuzz)', async () => {
    const response = parse(await exchange(port, 'FOO /api/v1/whoami HTTP/1.1\r\nHost: x\r\n\r\n'));
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(response.json).toMatchObject({ status: 400, code: 'BAD_REQUEST', detail: 'malformed HTTP request' });
    expect(response.json.requestId).toBe(response.headers['x-request-id']);
  });

  it('answers oversized headers with 431 and a problem body', async () => {
    const response = parse(
      await exchange(port, `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    );
    expect(response.status).toBe(431);
    expect(response.json).toMatchObject({
      status: 431,
      code: 'BAD_REQUEST',
      detail: 'the request headers are too large',
    });
  });

  it('answers a path that is not UTF-8 once decoded, or a too long path parameter, with a problem body', async () => {
    const badUrl = await testApp.app.server.inject({ method: 'GET', url: '/api/v1/abc/orders/%ED%A0%80' });
    expect(badUrl.statusCode).toBe(400);
    expect(badUrl.headers['content-type']).toContain('application/problem+json');
    expect(badUrl.json()).toMatchObject({ code: 'BAD_REQUEST', requestId: badUrl.headers['x-request-id'] });
    const longParam = await testApp.app.server.inject({ method: 'GET', url: `/api/v1/${'h'.repeat(300)}` });
    expect(longParam.statusCode).toBe(414);
    expect(longParam.json()).toMatchObject({
      status: 414,
      code: 'BAD_REQUEST',
      detail: expect.stringContaining('too long'),
    });
  });
});
