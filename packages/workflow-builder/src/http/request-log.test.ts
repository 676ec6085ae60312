import { Writable } from 'node:stream';
import { createLogger } from '@wfb/core/logger.js';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { replyWithError } from './error-reply.js';
import { requestIdFor } from './request-id.js';
import { RequestLogController } from './request-log.js';

/** The server's logging setup (request id, X-Request-Id, error handler) on a bare Fastify. */
async function serverWith(accessLog: boolean) {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      callback();
    },
  });
  const app = Fastify({
    loggerInstance: createLogger({ level: 'info', destination }) as FastifyBaseLogger,
    genReqId: requestIdFor,
    logController: new RequestLogController({ accessLog }),
  });
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.setErrorHandler(replyWithError);
  app.get('/ok', async () => ({ ok: true }));
  app.get('/boom', async () => {
    throw new Error('planted failure');
  });
  await app.ready();
  return { app, lines };
}

describe('request logging', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
  });

  it('writes nothing for a successful request by default, and logs an error with the id the caller got', async () => {
    const { app, lines } = await serverWith(false);
    close = () => app.close();
    expect((await app.inject({ method: 'GET', url: '/ok' })).statusCode).toBe(200);
    expect(lines).toEqual([]);

    const failed = await app.inject({ method: 'GET', url: '/boom' });
    expect(failed.statusCode).toBe(500);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, msg: 'unhandled error', requestId: failed.headers['x-request-id'] });
  });

  it('writes one compact line per request with ACCESS_LOG, carrying the request id', async () => {
    const { app, lines } = await serverWith(true);
    close = () => app.close();
    const requestId = 'caller-chosen-id-123';
    const response = await app.inject({ method: 'GET', url: '/ok?x=1', headers: { 'x-request-id': requestId } });
    expect(response.headers['x-request-id']).toBe(requestId);
    expect(lines).toEqual([
      {
        level: 30,
        time: expect.any(Number),
        requestId,
        method: 'GET',
        url: '/ok?x=1',
        status: 200,
        ms: expect.any(Number),
        msg: 'request',
      },
    ]);

    const failed = await app.inject({ method: 'GET', url: '/boom' });
    expect(lines.slice(1).map((line) => [line.msg, line.requestId])).toEqual([
      ['unhandled error', failed.headers['x-request-id']],
      ['request', failed.headers['x-request-id']],
    ]);
    expect(lines.at(-1)).toMatchObject({ status: 500 });
  });
});
