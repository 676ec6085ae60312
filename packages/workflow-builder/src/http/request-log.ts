import { type FastifyReply, type FastifyRequest, LogController } from 'fastify';

/**
 * Per-request logging. Fastify's default writes two info lines per request ("incoming
 * request", "request completed"): each one goes through redaction, serialization and a write
 * to stdout, about half the gateway's own added latency at one connection (bench:gateway).
 * So a request that succeeds writes nothing unless ACCESS_LOG is on; then it writes one
 * compact line when it completes. What goes wrong is still logged with the request id
 * (`requestId`, the X-Request-Id the caller got): errors on the response stream ("request
 * errored"), 5xx from the error handlers, upstream warnings.
 */
export class RequestLogController extends LogController {
  readonly accessLog: boolean;

  constructor(options: { accessLog: boolean }) {
    super({ requestIdLogLabel: 'requestId' });
    this.accessLog = options.accessLog;
  }

  override incomingRequest(): void {}

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      super.requestCompleted(error, request, reply);
      return;
    }
    if (!this.accessLog) return;
    reply.log.info(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request',
    );
  }
}
